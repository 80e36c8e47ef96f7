import { clientStates, type ClientState } from './client-state.js';
import { percentileOfSorted } from './distribution.js';
import type { LinkRates } from './link-rates.js';

/** One second's counts and gauges, as recorded. */
export interface SecondBucket {
  matches: number;
  gamesCompleted: number;
  reconnectsAttempted: number;
  reconnectsSucceeded: number;
  reconnectsFailed: number;
  rpcCalls: number;
  errors: number;
  /** The load generator's longest event-loop lag in this second. */
  loopLagMaxMs: number;
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

/** The client links sampled in one second as running sums: the same few numbers for 1 link or 10,000. */
interface LinkSums {
  count: number;
  tickRateSum: number;
  tickRateMin: number;
  snapshotRateSum: number;
}

/** A second as kept: counts, link sums and, once the second is over, its match latency percentiles. */
interface StoredSecond {
  bucket: SecondBucket;
  links: LinkSums;
  matchLatencyP50Ms: number;
  matchLatencyP99Ms: number;
}

function emptySecond(): StoredSecond {
  return {
    bucket: {
      matches: 0,
      gamesCompleted: 0,
      reconnectsAttempted: 0,
      reconnectsSucceeded: 0,
      reconnectsFailed: 0,
      rpcCalls: 0,
      errors: 0,
      loopLagMaxMs: 0,
      clients: undefined,
    },
    links: { count: 0, tickRateSum: 0, tickRateMin: Number.POSITIVE_INFINITY, snapshotRateSum: 0 },
    matchLatencyP50Ms: Number.NaN,
    matchLatencyP99Ms: Number.NaN,
  };
}

/**
 * Per-second buckets from the run's start; events land in the second they happened in. Only the
 * open (latest) second keeps raw values (its match latencies, for percentiles); when a later second
 * begins it is summarised and final, so a second costs the same memory however busy it was. A time
 * before the open second (the clock the metrics use never goes back) counts in the open second.
 */
export class Timeline {
  private readonly seconds: StoredSecond[] = [];
  /** The match latencies of the open second, until it is summarised. */
  private openMatchLatenciesMs: number[] = [];

  constructor(private readonly startMs: number) {}

  /** The counts of the second that `atMs` (same clock as the start) falls in. */
  at(atMs: number): SecondBucket {
    return this.open(atMs).bucket;
  }

  /** One client's enqueue → assignment time, in the second it was assigned. */
  matchLatency(atMs: number, latencyMs: number): void {
    this.open(atMs);
    this.openMatchLatenciesMs.push(latencyMs);
  }

  /** The rates of the client links sampled at `atMs`. */
  linkRates(atMs: number, rates: readonly LinkRates[]): void {
    const links = this.open(atMs).links;
    for (const { tickRate, snapshotRate } of rates) {
      links.count += 1;
      links.tickRateSum += tickRate;
      links.tickRateMin = Math.min(links.tickRateMin, tickRate);
      links.snapshotRateSum += snapshotRate;
    }
  }

  /** Every second from the start to the last one with anything in it. */
  points(): TimelinePoint[] {
    let lastClients = Object.fromEntries(clientStates.map((s) => [s, 0])) as Record<ClientState, number>;
    const last = this.seconds.length - 1;
    return this.seconds.map((stored, second) => {
      lastClients = stored.bucket.clients ?? lastClients;
      return toPoint(second, second === last ? withMatchLatencies(stored, this.openMatchLatenciesMs) : stored, lastClients);
    });
  }

  /** The second `atMs` falls in, opened (the seconds before it summarised) when it is new. */
  private open(atMs: number): StoredSecond {
    const second = Math.max(this.seconds.length - 1, 0, Math.floor((atMs - this.startMs) / 1000));
    if (second >= this.seconds.length) {
      const last = this.seconds.length - 1;
      if (last >= 0) this.seconds[last] = withMatchLatencies(this.seconds[last]!, this.openMatchLatenciesMs);
      this.openMatchLatenciesMs = [];
      while (this.seconds.length <= second) this.seconds.push(emptySecond());
    }
    return this.seconds[second]!;
  }
}

function withMatchLatencies(stored: StoredSecond, latenciesMs: readonly number[]): StoredSecond {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { ...stored, matchLatencyP50Ms: percentileOfSorted(sorted, 50), matchLatencyP99Ms: percentileOfSorted(sorted, 99) };
}

/** A second as a timeline point; `clients` carries the last sample forward over a second without one. */
function toPoint(second: number, stored: StoredSecond, clients: Record<ClientState, number>): TimelinePoint {
  const { bucket, links } = stored;
  const sampled = links.count > 0;
  return {
    second,
    clients,
    matches: bucket.matches,
    matchLatencyP50Ms: stored.matchLatencyP50Ms,
    matchLatencyP99Ms: stored.matchLatencyP99Ms,
    gamesCompleted: bucket.gamesCompleted,
    reconnectsAttempted: bucket.reconnectsAttempted,
    reconnectsSucceeded: bucket.reconnectsSucceeded,
    reconnectsFailed: bucket.reconnectsFailed,
    rpcCalls: bucket.rpcCalls,
    errors: bucket.errors,
    tickRateMean: sampled ? links.tickRateSum / links.count : Number.NaN,
    tickRateMin: sampled ? links.tickRateMin : Number.NaN,
    snapshotsPerSecMean: sampled ? links.snapshotRateSum / links.count : Number.NaN,
    linksSampled: links.count,
    loopLagMaxMs: bucket.loopLagMaxMs,
  };
}
