import { performance } from 'node:perf_hooks';
import type { Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import type { Snapshot, Welcome } from '../../src/gen/mini/room/v1/packets.js';
import type { AuthenticateDeviceResponse } from '../../src/gen/mini/session/v1/session.js';
import { chaseBall } from '../../src/client/bot.js';
import { grpcCodeOf, type ClientError } from '../../src/client/errors.js';
import { GameClient } from '../../src/client/game-client.js';
import type { GameOver, Reconnected } from '../../src/client/game-events.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';

/** One snapshot as a player saw it: its tick, when it arrived (performance.now) and the scores. */
export interface SeenTick {
  tick: number;
  atMs: number;
  phase: number;
  scores: [number, number];
}

/** A retry the client library made: the gRPC code that caused it and the backoff it waited. */
export interface SeenRetry {
  code: number | undefined;
  delayMs: number;
}

export interface LibraryPlayerOptions {
  deviceId: string;
  mmr: number;
  /** Follow the ball (wins points) or stand still (loses them). */
  chase: boolean;
  /** The region to be matched in (unset: the default one). */
  region?: string;
}

/**
 * A player on the client library (MatchmakingClient + GameClient) that records everything it was
 * told: its session, each assignment acknowledged to it, welcomes, every snapshot's tick and
 * arrival time, the library's retries and reconnects. Chaos tests check these records.
 * `matcherTarget` is any gRPC target, e.g. `ipv4:127.0.0.1:1,127.0.0.1:2` for several replicas.
 */
export class LibraryPlayer {
  readonly matchmaking: MatchmakingClient;
  readonly game: GameClient;
  session: AuthenticateDeviceResponse | undefined;
  readonly assignments: Assignment[] = [];
  readonly welcomes: Welcome[] = [];
  /** For each welcome, how many snapshots had been seen before it: the snapshots of that connection start there. */
  readonly welcomedAfterTicks: number[] = [];
  readonly ticks: SeenTick[] = [];
  readonly overs: GameOver[] = [];
  readonly retries: SeenRetry[] = [];
  readonly reconnects: Reconnected[] = [];
  readonly errors: ClientError[] = [];

  constructor(
    matcherTarget: string,
    readonly options: LibraryPlayerOptions,
  ) {
    const onRetry = (err: unknown, delayMs: number): void => void this.retries.push({ code: grpcCodeOf(err), delayMs });
    this.matchmaking = new MatchmakingClient(matcherTarget, { onRetry, region: options.region });
    this.game = new GameClient(this.matchmaking);
    this.game.on('assigned', (a) => this.assignments.push(a));
    this.game.on('connected', (w) => {
      this.welcomes.push(w);
      this.welcomedAfterTicks.push(this.ticks.length);
    });
    this.game.on('ended', (over) => this.overs.push(over));
    this.game.on('reconnected', (r) => this.reconnects.push(r));
    this.game.on('error', (e) => this.errors.push(e));
    this.game.on('snapshot', (s) => this.onSnapshot(s));
  }

  /** Logs in (retrying through outages); the session is kept in `session`. */
  async login(signal?: AbortSignal): Promise<AuthenticateDeviceResponse> {
    this.session = await this.matchmaking.login(this.options.deviceId, signal);
    return this.session;
  }

  /** Logs in if needed, finds a match and connects to the room; resolves with the Welcome. */
  async play(signal?: AbortSignal): Promise<Welcome> {
    if (!this.session) await this.login(signal);
    return this.game.play(this.options.mmr, signal);
  }

  get playerId(): string | undefined {
    return this.session?.playerId;
  }

  /** The room of the first connect. */
  get roomId(): string | undefined {
    return this.welcomes[0]?.roomId;
  }

  get lastTick(): SeenTick | undefined {
    return this.ticks.at(-1);
  }

  /** The snapshots of the latest connection (after its Welcome). */
  get ticksOfLastConnection(): SeenTick[] {
    return this.ticks.slice(this.welcomedAfterTicks.at(-1) ?? 0);
  }

  /** The room address of the latest assignment the player was given. */
  get roomAddr(): string | undefined {
    return this.assignments.at(-1)?.roomAddr;
  }

  /** Snapshots seen since (and including) the first one at or past `tick`. */
  ticksFrom(tick: number): SeenTick[] {
    const start = this.ticks.findIndex((t) => t.tick >= tick);
    return start < 0 ? [] : this.ticks.slice(start);
  }

  /** Leaves the game (Disconnect) and closes the channels. */
  close(): void {
    this.game.close();
    this.matchmaking.close();
  }

  private onSnapshot(snapshot: Snapshot): void {
    const scores: [number, number] = [snapshot.left?.score ?? 0, snapshot.right?.score ?? 0];
    this.ticks.push({ tick: snapshot.tick, atMs: performance.now(), phase: snapshot.phase, scores });
    const slot = this.game.welcome?.slot;
    if (this.options.chase && slot !== undefined) this.game.setDirection(chaseBall(snapshot, slot, 10_000));
  }
}

/** The largest step between consecutive ticks seen (1 = none missed). */
export function largestTickGap(ticks: SeenTick[]): number {
  let gap = 0;
  for (let i = 1; i < ticks.length; i++) gap = Math.max(gap, ticks[i]!.tick - ticks[i - 1]!.tick);
  return gap;
}
