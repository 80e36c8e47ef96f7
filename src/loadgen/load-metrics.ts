import type { ClientError } from '../client/errors.js';
import type { ClientView } from './client-state.js';
import { countStates } from './client-state.js';
import { ClientGameStats, type ClientGameRecord } from './client-games.js';
import { DistinctRooms } from './distinct-rooms.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LinkRates } from './link-rates.js';
import { Timeline } from './timeline.js';

/** The Matcher / Sessions calls the clients make, as the report names them. */
export type RpcMethod = 'AuthenticateDevice' | 'Enqueue' | 'Dequeue' | 'GetAssignment' | 'WatchAssignment';

/** Where a timed call reports to. */
export interface RpcRecorder {
  /** One call (with its retries on UNAVAILABLE) finished after durationMs; `error` when it failed. */
  rpcDone(method: RpcMethod, durationMs: number, error: ClientError | undefined): void;
}

/** Why a reconnect happened: the load generator cut the link, or the client noticed silence by itself. */
export type ReconnectCause = 'induced' | 'spontaneous';

/** Counts of one kind of reconnect. */
export interface ReconnectCounts {
  attempted: number;
  succeeded: number;
  failed: number;
  failureReasons: Record<string, number>;
}

function reconnectCounts(): ReconnectCounts {
  return { attempted: 0, succeeded: 0, failed: 0, failureReasons: {} };
}

/** Everything the run measures; every recording method also updates the timeline's current second. */
export class LoadMetrics implements RpcRecorder {
  readonly timeline: Timeline;
  readonly startMs: number;
  readonly rpc = new Map<RpcMethod, { calls: number; errors: number; errorKinds: Record<string, number>; latency: LatencyHistogram }>();
  /** Every successful unary call (all methods but WatchAssignment): the Matcher's client-side latency. */
  readonly unaryLatency = new LatencyHistogram();
  readonly matchLatency = new LatencyHistogram();
  /** How late the load generator's own event loop ran timers (see loop-lag.ts). */
  readonly loopLagMs = new LatencyHistogram();
  readonly timeToBack = new LatencyHistogram();
  readonly reconnectDuration = new LatencyHistogram();
  readonly errors = new Map<string, number>();
  readonly assignedRooms = new DistinctRooms();
  readonly connectedRooms = new DistinctRooms();
  readonly completedRooms = new DistinctRooms();
  assignmentCount = 0;
  readonly clientGames = new ClientGameStats();
  readonly reconnects: Record<ReconnectCause, ReconnectCounts> = { induced: reconnectCounts(), spontaneous: reconnectCounts() };
  peakPlaying = 0;

  constructor(readonly now: () => number) {
    this.startMs = now();
    this.timeline = new Timeline(this.startMs);
  }

  rpcDone(method: RpcMethod, durationMs: number, error: ClientError | undefined): void {
    // A call cut short by the end of the run is neither a latency nor a failure.
    if (error?.kind === 'aborted') return;
    let entry = this.rpc.get(method);
    if (!entry) this.rpc.set(method, (entry = { calls: 0, errors: 0, errorKinds: {}, latency: new LatencyHistogram() }));
    entry.calls += 1;
    this.bucket().rpcCalls += 1;
    if (error) {
      entry.errors += 1;
      entry.errorKinds[error.kind] = (entry.errorKinds[error.kind] ?? 0) + 1;
      this.bucket().errors += 1;
    } else {
      entry.latency.recordMs(durationMs);
      if (method !== 'WatchAssignment') this.unaryLatency.recordMs(durationMs);
    }
  }

  /** A step of the client loop failed (phase: login, find_match, connect, reconnect, game). */
  flowError(phase: string, kind: string): void {
    const key = `${phase}:${kind}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    this.bucket().errors += 1;
  }

  matched(roomId: string, latencyMs: number): void {
    this.assignmentCount += 1;
    this.matchLatency.recordMs(latencyMs);
    const nowMs = this.now();
    this.timeline.matchLatency(nowMs, latencyMs);
    if (this.assignedRooms.add(roomId, nowMs)) this.timeline.at(nowMs).matches += 1;
  }

  gameConnected(roomId: string): void {
    this.connectedRooms.add(roomId, this.now());
  }

  gameOver(record: ClientGameRecord): void {
    this.clientGames.record(record);
    const nowMs = this.now();
    if (record.outcome === 'completed' && this.completedRooms.add(record.roomId, nowMs)) this.timeline.at(nowMs).gamesCompleted += 1;
  }

  reconnectAttempted(cause: ReconnectCause): void {
    this.reconnects[cause].attempted += 1;
    this.bucket().reconnectsAttempted += 1;
  }

  reconnectSucceeded(cause: ReconnectCause, timeToBackMs: number, reconnectMs: number): void {
    this.reconnects[cause].succeeded += 1;
    this.bucket().reconnectsSucceeded += 1;
    if (cause === 'induced') {
      this.timeToBack.recordMs(timeToBackMs);
      this.reconnectDuration.recordMs(reconnectMs);
    }
  }

  reconnectFailed(cause: ReconnectCause, reason: string): void {
    const counts = this.reconnects[cause];
    counts.failed += 1;
    counts.failureReasons[reason] = (counts.failureReasons[reason] ?? 0) + 1;
    this.bucket().reconnectsFailed += 1;
  }

  loopLag(lagMs: number): void {
    this.loopLagMs.recordMs(lagMs);
    const bucket = this.bucket();
    bucket.loopLagMaxMs = Math.max(bucket.loopLagMaxMs, lagMs);
  }

  /** The sampler's once-a-second look at every client and the rates of their links. */
  sampled(views: readonly ClientView[], rates: readonly LinkRates[]): void {
    const nowMs = this.now();
    const states = countStates(views);
    this.timeline.at(nowMs).clients = states;
    this.peakPlaying = Math.max(this.peakPlaying, states.playing);
    this.timeline.linkRates(nowMs, rates);
  }

  /** Live totals for the progress bar. */
  totals(): { matches: number; gamesCompleted: number; reconnectsAttempted: number; reconnectsSucceeded: number; reconnectsFailed: number; errors: number } {
    const { induced, spontaneous } = this.reconnects;
    let errors = [...this.errors.values()].reduce((a, b) => a + b, 0);
    for (const entry of this.rpc.values()) errors += entry.errors;
    return {
      matches: this.assignedRooms.size,
      gamesCompleted: this.completedRooms.size,
      reconnectsAttempted: induced.attempted + spontaneous.attempted,
      reconnectsSucceeded: induced.succeeded + spontaneous.succeeded,
      reconnectsFailed: induced.failed + spontaneous.failed,
      errors,
    };
  }

  /** Frees the histograms. */
  destroy(): void {
    this.clientGames.destroy();
    for (const entry of this.rpc.values()) entry.latency.destroy();
    this.unaryLatency.destroy();
    this.matchLatency.destroy();
    this.loopLagMs.destroy();
    this.timeToBack.destroy();
    this.reconnectDuration.destroy();
  }

  private bucket() {
    return this.timeline.at(this.now());
  }
}
