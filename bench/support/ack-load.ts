import { performance } from 'node:perf_hooks';
import type { ServiceError } from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { defaultBackoff } from '../../src/client/backoff.js';
import { retryUnavailable } from '../../src/client/retry.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { defaultRegion } from '../../src/shared/region.js';
import { deviceIdOf } from '../../test/support/device-id.js';
import { bearer, type Clients } from '../../test/support/grpc-clients.js';
import { inBatches } from './room-stack.js';

/** A session the Matcher acknowledged (AuthenticateDevice answered OK). */
export interface Session {
  token: string;
  playerId: string;
}

/** One call of the load: when it started and ended (performance.now), and its gRPC status (0: OK). */
export interface Call {
  kind: 'enqueue' | 'login';
  startedMs: number;
  endedMs: number;
  code: number;
}

/** Every write the Matcher acknowledged so far: the sessions it issued and the players it queued. */
export class Acknowledged {
  readonly sessions: Session[] = [];
  readonly enqueued: string[] = [];
}

/**
 * Logins of new devices and Enqueues of logged-in players, each at a fixed rate (open loop: a call
 * starts when it is due, whatever became of the earlier ones), through grpc-js clients with a 5 s
 * deadline, with no retry: every call's status and time is kept, and every OK goes into `acked`.
 * The players it enqueues are logged in beforehand (`prepare`), so Enqueues go on while logins fail.
 */
export class AckLoad {
  readonly calls: Call[] = [];
  private pool: Session[] = [];
  private stopped = false;
  private readonly pending = new Set<Promise<void>>();
  private running: Promise<void>[] = [];
  /** Enqueues that found no logged-in player left in the pool (the pool was too small). */
  poolExhausted = 0;

  constructor(
    private readonly clients: Clients,
    private readonly acked: Acknowledged,
    private readonly label: string,
    private readonly mmr: number,
  ) {}

  /** Logs `count` players in (64 at a time) for the Enqueues to come; their sessions count as acknowledged. */
  async prepare(count: number): Promise<void> {
    this.pool = await inBatches(count, 64, async (i) => {
      // As any client: a login that meets a moment of UNAVAILABLE (a replica resynchronising, say) is tried again.
      const login = () => this.clients.authenticateDevice({ deviceId: deviceIdOf(`${this.label}-pool-${i}`) });
      const s = await retryUnavailable(login, { backoff: defaultBackoff, signal: AbortSignal.timeout(30000) });
      return { token: s.token, playerId: s.playerId };
    });
    this.acked.sessions.push(...this.pool);
  }

  start(enqueuePerSec: number, loginPerSec: number): void {
    this.running = [this.pace(enqueuePerSec, (i) => this.enqueue(i)), this.pace(loginPerSec, (i) => this.login(i))];
  }

  /** Stops starting calls and waits for those in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
    await Promise.all(this.pending);
  }

  /** End time of the first call of `kind` that started at or after `sinceMs` and succeeded. */
  firstOk(kind: Call['kind'], sinceMs: number): number | undefined {
    let first: number | undefined;
    for (const c of this.calls) if (c.kind === kind && c.code === 0 && c.startedMs >= sinceMs && (first === undefined || c.endedMs < first)) first = c.endedMs;
    return first;
  }

  private async pace(perSec: number, op: (i: number) => Promise<void>): Promise<void> {
    if (perSec <= 0) return;
    const start = performance.now();
    let started = 0;
    while (!this.stopped) {
      const due = Math.floor(((performance.now() - start) / 1000) * perSec) + 1;
      for (; started < due; started++) {
        const call = op(started).finally(() => this.pending.delete(call));
        this.pending.add(call);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private async enqueue(i: number): Promise<void> {
    const player = this.pool[i];
    if (!player) {
      this.poolExhausted += 1;
      return;
    }
    const code = await this.timed('enqueue', () => this.clients.enqueue({ mmr: this.mmr }, bearer(player.token)));
    if (code === 0) this.acked.enqueued.push(player.playerId);
  }

  private async login(i: number): Promise<void> {
    let session: Session | undefined;
    await this.timed('login', async () => {
      const s = await this.clients.authenticateDevice({ deviceId: deviceIdOf(`${this.label}-login-${i}`) });
      session = { token: s.token, playerId: s.playerId };
    });
    if (session) this.acked.sessions.push(session);
  }

  private async timed(kind: Call['kind'], call: () => Promise<unknown>): Promise<number> {
    const startedMs = performance.now();
    let code = 0;
    try {
      await call();
    } catch (err) {
      code = (err as ServiceError).code ?? -1;
    }
    this.calls.push({ kind, startedMs, endedMs: performance.now(), code });
    return code;
  }
}

/** Acknowledged writes that Redis no longer holds. */
export interface Missing {
  sessions: number;
  enqueues: number;
  checked: { sessions: number; enqueues: number };
}

/**
 * Looks every acknowledged write up on `redis` (the current primary): a session must still be among
 * its player's; a queued player must still be queued, or assigned (room_map: the match claim took it), or
 * have an outcome (timed out, dequeued, ended): any trace of the ticket shows the Enqueue was kept.
 */
export async function missingWrites(redis: Redis, acked: Acknowledged): Promise<Missing> {
  const keys = new Keys('');
  // What was acknowledged when the check began (more may come in while it runs).
  const sessions = [...acked.sessions];
  const enqueued = [...acked.enqueued];
  const sessionLookups = redis.pipeline();
  for (const s of sessions) sessionLookups.zscore(keys.playerSessions(s.playerId), s.token);
  const sessionReplies = (await sessionLookups.exec()) ?? [];
  const lostSessions = sessionReplies.filter(([err, expires]) => err !== null || expires === null).length;
  const tickets = redis.pipeline();
  const region = keys.region(defaultRegion);
  for (const playerId of enqueued) tickets.zscore(region.queue(), playerId).exists(region.roomMap(playerId)).exists(region.outcome(playerId));
  const ticketReplies = (await tickets.exec()) ?? [];
  let lostEnqueues = 0;
  for (let i = 0; i < enqueued.length; i++) {
    const [queued, assigned, outcome] = ticketReplies.slice(3 * i, 3 * i + 3).map(([err, value]) => (err === null ? value : null));
    if (queued === null && assigned !== 1 && outcome !== 1) lostEnqueues += 1;
  }
  return { sessions: lostSessions, enqueues: lostEnqueues, checked: { sessions: sessions.length, enqueues: enqueued.length } };
}
