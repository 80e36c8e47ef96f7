import type { Logger } from 'pino';
import { isRedisUnavailable } from '../shared/redis/errors.js';
import type { FailoverMetrics, MoveCause } from './failover-metrics.js';
import type { FailoverStore, MoveReport } from './failover-store.js';

export interface FailoverOptions {
  /** How often servers silent past their lease are looked for. */
  intervalMs: number;
  leaseTtlMs: number;
  /** A server whose last heartbeat is older than this is late: its players' reports can replace it. */
  lateAfterMs: number;
  /** How long a player's unreachable report counts. */
  reportTtlMs: number;
}

/** What moving one server's rooms came to, over however many script calls it took. */
export type MoveTotals = Omit<MoveReport, 'remaining'>;

/**
 * Moves the rooms of lost room servers to live ones: every intervalMs it looks for servers whose
 * last heartbeat is older than the lease TTL and runs move-rooms for each (the script itself checks
 * that the lease is gone). Any number of Matcher replicas may run this loop: each room moves once.
 * The registry calls moveServer directly for a drain hand-over and for a revoked (reported) server.
 */
export class FailoverLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private redisDownLogged = false;
  /**
   * Sweeps move nothing before this (ms): for a lease TTL after this replica starts and after Redis
   * comes back. A lapsed lease then may only mean that no Matcher or no Redis could take heartbeats
   * (the room servers register again within a few seconds), not that the server is gone.
   */
  private quietUntilMs = 0;

  constructor(
    private readonly store: FailoverStore,
    private readonly options: FailoverOptions,
    private readonly now: () => number,
    private readonly metrics: FailoverMetrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.quietUntilMs = this.now() + this.options.leaseTtlMs;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One look for lost servers, moving the rooms of each (nothing during the quiet period). */
  async sweep(): Promise<void> {
    if (this.now() < this.quietUntilMs) return;
    // Each server on its own: one that fails (a bad record) must not hold up the others.
    const failures: unknown[] = [];
    for (const region of await this.store.servedRegions()) {
      const silent = await this.store.silentSince(region, this.now() - this.options.leaseTtlMs);
      for (const { addr, lastHeartbeatMs } of silent) {
        await this.moveServer(region, addr, 'lease_lost', lastHeartbeatMs).catch((err: unknown) => failures.push(err));
      }
    }
    if (failures.length > 0) throw failures.find(isRedisUnavailable) ?? failures[0];
  }

  /**
   * A player's report that their room's server is unreachable (a hint: see report-unreachable.lua).
   * Returns true when the server is given up on, so the room has moved or is about to.
   */
  async report(playerId: string, region: string, roomId: string): Promise<{ current: boolean; serverReplaced: boolean }> {
    const { reportTtlMs, leaseTtlMs } = this.options;
    // In the quiet period every heartbeat may be late for want of a Matcher or Redis: no server is given up on.
    const lateAfterMs = this.now() < this.quietUntilMs ? Number.MAX_SAFE_INTEGER : this.options.lateAfterMs;
    const nowMs = this.now();
    const verdict = await this.store.reportUnreachable(playerId, region, roomId, nowMs, { lateAfterMs, reportTtlMs, leaseTtlMs });
    if (verdict.kind === 'revoked') {
      const fields = { addr: verdict.addr, room_id: roomId, since_heartbeat_ms: verdict.sinceHeartbeatMs };
      this.log.warn(fields, 'room server reported unreachable by its players and late: lease revoked');
      await this.moveServer(region, verdict.addr, 'reported', nowMs - verdict.sinceHeartbeatMs);
    }
    return { current: verdict.kind !== 'not_current', serverReplaced: verdict.kind === 'revoked' || verdict.kind === 'already_gone' };
  }

  /**
   * Moves a server's rooms until none is left that can move now (rooms waiting for capacity stay
   * listed for the next sweep). `sinceMs` is when the server was last known alive, for the delay metric.
   */
  async moveServer(region: string, addr: string, cause: MoveCause, sinceMs: number, handOverServerId = ''): Promise<MoveTotals> {
    const totals: MoveTotals = { gone: false, moved: [], ended: 0, waiting: 0 };
    for (;;) {
      const report = await this.store.moveRooms(region, addr, this.now(), handOverServerId);
      totals.gone = report.gone;
      totals.moved.push(...report.moved);
      totals.ended += report.ended;
      totals.waiting = report.waiting;
      // Done when nothing is left past what waits for capacity, or when a call changed nothing.
      if (!report.gone || report.remaining <= report.waiting || report.moved.length + report.ended === 0) break;
    }
    this.metrics.record(cause, totals.moved.length, totals.ended, this.now() - sinceMs);
    if (totals.moved.length + totals.ended + totals.waiting > 0) {
      const fields = { addr, region, cause, rooms_moved: totals.moved.length, rooms_ended: totals.ended, rooms_waiting: totals.waiting };
      this.log.warn(fields, totals.waiting > 0 ? 'room server lost: rooms moved, some wait for capacity' : 'room server lost: rooms moved');
      for (const room of totals.moved) this.log.info({ room_id: room.roomId, from: addr, to: room.addr, cause }, 'room moved');
    }
    return totals;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => {
          this.redisDownLogged = false;
        })
        .catch((err: unknown) => this.failed(err))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
  }

  private failed(err: unknown): void {
    if (!isRedisUnavailable(err)) {
      this.log.error({ err }, 'failover sweep failed');
    } else if (!this.redisDownLogged) {
      this.redisDownLogged = true;
      this.log.warn({ err: (err as Error).message }, 'failover paused: redis unavailable');
    }
    // Heartbeats could not land meanwhile: give the room servers a lease TTL to renew before moving anything.
    if (isRedisUnavailable(err)) this.quietUntilMs = this.now() + this.options.leaseTtlMs;
  }
}
