import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isRedisUnavailable } from '../shared/redis/errors.js';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { linksTo, tracer } from '../shared/telemetry/trace-context.js';
import type { ActiveRegion, ClaimedRoom, MatchStore, ProposedRoom } from './match-store.js';
import { pairPlayers, type MatchPolicy } from './matching.js';

export interface MatchLoopOptions extends MatchPolicy {
  maxWaitMs: number;
  passIntervalMs: number;
  claimBatchPairs: number;
}

/** What one matching pass did, summed over the regions it ran for. */
export interface PassReport {
  /** Regions with (possibly) queued players that the pass looked at. */
  regions: number;
  timedOut: number;
  queued: number;
  proposed: number;
  claimed: ClaimedRoom[];
  skipped: number;
  unplaced: number;
  durationMs: number;
  /** False when the pass failed part-way (what it reports was still done). */
  completed: boolean;
}

/** Most players timed out per pass, so one pass never holds Redis for long. */
const expireBatch = 1000;
/**
 * Delay before a pass asked for by an enqueue, so that a burst of enqueues shares one pass: under
 * heavy load passes run about this often instead of back to back.
 */
const requestedPassDelayMs = 10;
/**
 * A region whose queue is empty leaves the active set once nobody enqueued in it for this long; the
 * margin also covers clock differences between the replicas that enqueue and the one that forgets.
 */
const forgetRegionAfterMs = 30_000;

/**
 * Runs matching passes: every passIntervalMs, and soon after requestPass(). One pass at a time per
 * process; any number of processes may run passes on the same queue, because every claim is atomic.
 */
export class MatchLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private requested = false;
  /** When the scheduled pass is due (performance.now() time); an earlier request never delays it. */
  private nextPassAtMs = Number.POSITIVE_INFINITY;
  private stopped = true;
  private redisDownLogged = false;

  constructor(
    private readonly store: MatchStore,
    private readonly options: MatchLoopOptions,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly onPass: (report: PassReport) => void = () => {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a pass soon (a player was just queued). */
  requestPass(): void {
    if (this.stopped) return;
    this.requested = true;
    if (!this.running && this.nextPassAtMs > performance.now() + requestedPassDelayMs) this.schedule(requestedPassDelayMs);
  }

  /** Stops scheduling and waits for a running pass to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One pass: for every active region at once, time out long waiters, pair the region's queue and
   * claim the pairs in batches on the region's servers. It fills `report` as it goes, so that a pass
   * that fails part-way still reports what it did in Redis (time-outs, the batches that were claimed)
   * before the error is thrown.
   */
  async runPass(report: PassReport = emptyPassReport()): Promise<PassReport> {
    const startedMs = performance.now();
    try {
      const nowMs = this.now();
      const regions = await this.store.activeRegions();
      report.regions = regions.length;
      const outcomes = await Promise.allSettled(regions.map((region) => this.runRegionPass(region, nowMs, report)));
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      report.completed = true;
      return report;
    } finally {
      report.durationMs = performance.now() - startedMs;
    }
  }

  /** One region's part of a pass: its players meet only each other, on its servers. */
  private async runRegionPass({ region, lastEnqueueMs }: ActiveRegion, nowMs: number, report: PassReport): Promise<void> {
    report.timedOut += await this.store.expireWaiting(region, nowMs - this.options.maxWaitMs, nowMs, expireBatch);
    const queue = await this.store.readQueue(region);
    report.queued += queue.length;
    if (queue.length === 0) {
      const cutoffMs = nowMs - forgetRegionAfterMs;
      if (lastEnqueueMs <= cutoffMs) await this.store.forgetRegion(region, cutoffMs);
      return;
    }
    const proposals: ProposedRoom[] = pairPlayers(queue, nowMs, this.options).map((pair) => ({ roomId: randomUUID(), ...pair }));
    report.proposed += proposals.length;
    const claimedAtMs = this.now();
    // Batches go out together (one pipeline); each is atomic on its own and they share no player.
    const batches: ProposedRoom[][] = [];
    for (let i = 0; i < proposals.length; i += this.options.claimBatchPairs) {
      batches.push(proposals.slice(i, i + this.options.claimBatchPairs));
    }
    const claimStartedAt = new Date();
    const outcomes = await Promise.allSettled(batches.map((batch) => this.store.claim(region, batch, claimedAtMs)));
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') continue;
      for (const room of outcome.value.claimed) {
        report.claimed.push(room);
        traceMatch(room, claimStartedAt);
      }
      report.skipped += outcome.value.skipped;
      report.unplaced += outcome.value.unplaced;
    }
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.nextPassAtMs = performance.now() + delayMs;
    // A pass belongs to no caller's trace: requestPass() runs inside an Enqueue's span, which the timer
    // (and every pass chained after it) would otherwise inherit.
    this.timer = setTimeout(context.bind(ROOT_CONTEXT, () => this.tick()), delayMs);
  }

  private tick(): void {
    this.nextPassAtMs = Number.POSITIVE_INFINITY;
    if (this.stopped || this.running) return;
    this.requested = false;
    const report = emptyPassReport();
    this.running = this.runPass(report)
      .then(
        () => {
          this.redisDownLogged = false;
        },
        (err: unknown) => this.passFailed(err),
      )
      .then(() => this.onPass(report));
    void this.running.finally(() => {
      this.running = undefined;
      if (!this.stopped) this.schedule(this.requested ? requestedPassDelayMs : this.options.passIntervalMs);
    });
  }

  private passFailed(err: unknown): void {
    if (!isRedisUnavailable(err)) {
      this.log.error({ err }, 'matching pass failed');
    } else if (!this.redisDownLogged) {
      this.redisDownLogged = true;
      this.log.warn({ err: (err as Error).message }, 'matching paused: redis unavailable');
    }
  }
}

function emptyPassReport(): PassReport {
  return { regions: 0, timedOut: 0, queued: 0, proposed: 0, claimed: [], skipped: 0, unplaced: 0, durationMs: 0, completed: false };
}

/**
 * The match as a span of its own, linked to both players' enqueue spans: a match is made
 * asynchronously, by whichever process's pass claims the pair, so it belongs to neither enqueue's trace.
 */
function traceMatch(room: ClaimedRoom, claimStartedAt: Date): void {
  const [left, right] = room.enqueueTraces;
  tracer
    .startSpan('match', {
      root: true,
      startTime: claimStartedAt,
      links: [...linksTo(left), ...linksTo(right)],
      attributes: { 'match.room_id': room.roomId, 'match.server_addr': room.addr, 'match.region': room.region },
    })
    .end();
}
