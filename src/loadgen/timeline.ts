import { clientStates, type ClientState } from './client-state.js';
import { distributionOf, percentileOfSorted } from './distribution.js';

/** What happened in one second of the run, as recorded. */
export interface SecondBucket {
  matches: number;
  matchLatencyMs: number[];
  gamesCompleted: number;
  reconnectsAttempted: number;
  reconnectsSucceeded: number;
  reconnectsFailed: number;
  rpcCalls: number;
  errors: number;
  /** The load generator's longest event-loop lag in this second. */
  loopLagMaxMs: number;
  /** Per client link sampled in this second (see linkRates). */
  tickRates: number[];
  snapshotRates: number[];
  /** Clients per state at the sample taken in this second, if one was. */
  clients: Record<ClientState, number> | undefined;
}

/** One second of the report's timeline (every figure a number; rates NaN → null when none). */
export interface TimelinePoint {
  second: number;
  clients: Record<ClientState, number>;
  matches: number;
  matchLatencyP50Ms: number;
  matchLatencyP99Ms: number;
  gamesCompleted: number;
  reconnectsAttempted: number;
  reconnectsSucceeded: number;
  reconnectsFailed: number;
  rpcCalls: number;
  errors: number;
  /** Mean and lowest tick progression over the client links sampled in this second. */
  tickRateMean: number;
  tickRateMin: number;
  snapshotsPerSecMean: number;
  linksSampled: number;
  loopLagMaxMs: number;
}

function emptyBucket(): SecondBucket {
  return {
    matches: 0,
    matchLatencyMs: [],
    gamesCompleted: 0,
    reconnectsAttempted: 0,
    reconnectsSucceeded: 0,
    reconnectsFailed: 0,
    rpcCalls: 0,
    errors: 0,
    loopLagMaxMs: 0,
    tickRates: [],
    snapshotRates: [],
    clients: undefined,
  };
}

/** Per-second buckets from the run's start; events land in the second they happened in. */
export class Timeline {
  private readonly buckets: SecondBucket[] = [];

  constructor(private readonly startMs: number) {}

  /** The bucket of the second that `atMs` (same clock as the start) falls in. */
  at(atMs: number): SecondBucket {
    const second = Math.max(0, Math.floor((atMs - this.startMs) / 1000));
    while (this.buckets.length <= second) this.buckets.push(emptyBucket());
    return this.buckets[second]!;
  }

  /** Every second from the start to the last one with anything in it. */
  points(): TimelinePoint[] {
    let lastClients = Object.fromEntries(clientStates.map((s) => [s, 0])) as Record<ClientState, number>;
    return this.buckets.map((bucket, second) => {
      lastClients = bucket.clients ?? lastClients;
      return summarizeSecond(second, bucket, lastClients);
    });
  }
}

/** A bucket as a timeline point; `clients` carries the last sample forward over a second without one. */
export function summarizeSecond(second: number, bucket: SecondBucket, clients: Record<ClientState, number>): TimelinePoint {
  const latencies = [...bucket.matchLatencyMs].sort((a, b) => a - b);
  const ticks = distributionOf(bucket.tickRates);
  return {
    second,
    clients,
    matches: bucket.matches,
    matchLatencyP50Ms: percentileOfSorted(latencies, 50),
    matchLatencyP99Ms: percentileOfSorted(latencies, 99),
    gamesCompleted: bucket.gamesCompleted,
    reconnectsAttempted: bucket.reconnectsAttempted,
    reconnectsSucceeded: bucket.reconnectsSucceeded,
    reconnectsFailed: bucket.reconnectsFailed,
    rpcCalls: bucket.rpcCalls,
    errors: bucket.errors,
    tickRateMean: ticks.mean,
    tickRateMin: ticks.min,
    snapshotsPerSecMean: distributionOf(bucket.snapshotRates).mean,
    linksSampled: ticks.count,
    loopLagMaxMs: bucket.loopLagMaxMs,
  };
}
