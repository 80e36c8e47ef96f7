import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { defaultRegion } from '../shared/region.js';
import type { PassReport } from './match-loop.js';

/** A count per `region` label value. */
export type RegionCounts = Map<string, number>;

/** Where the gauges of shared state are read from (Redis), so every replica reports the same truth. */
export interface SharedStateSources {
  queueSizes(): Promise<RegionCounts>;
  liveRoomServers(): Promise<RegionCounts>;
  /** The regions labelled by name (served ones, capped). */
  labelledRegions(): Promise<string[]>;
}

/** Seconds buckets for enqueue → assignment: 5 ms to 2 min (a player may wait for a partner). */
const matchLatencyBucketsSec = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The Matcher's own metrics (gRPC calls are counted by the server wrapper). */
export class MatcherMetrics {
  private readonly matches: Counter;
  private readonly timeouts: Counter;
  private readonly latency: Histogram;
  private readonly passDuration: Histogram;
  private readonly unplaced: Gauge;
  /** Regions whose latency series exists (zeroed or observed). */
  private readonly latencyRegions = new Set<string>([defaultRegion]);

  constructor(registry: Registry, sources: SharedStateSources) {
    const registers = [registry];
    const zeroed = this.latencyRegions;
    gaugeFromRedis(registry, 'match_queue_size', "Players waiting in each region's matchmaking queue (ZCARD match:{<region>}:queue)", sources.queueSizes);
    gaugeFromRedis(registry, 'room_servers_live', "Room servers in each region's live set with a running lease", sources.liveRoomServers);
    this.matches = new Counter({ name: 'match_success_total', help: 'Matches made (rooms claimed) by this process', registers });
    this.timeouts = new Counter({ name: 'match_timeout_total', help: 'Players who waited past MATCH_MAX_WAIT_SEC and left the queue', registers });
    this.latency = new Histogram({
      name: 'match_latency_seconds',
      help: 'Time from a player\'s enqueue to their assignment to a room',
      // Bounded: a match is made only in a region with a live server, and serving needs the registry key.
      labelNames: ['region'],
      buckets: matchLatencyBucketsSec,
      registers,
      // Every served region's series exists (at 0) before its first match, so that rate() sees the
      // first matches as an increase instead of a series born with them.
      async collect() {
        const regions = await sources.labelledRegions().catch((): string[] => []);
        for (const region of regions) {
          // zero() would also wipe what a region already observed: only regions never seen.
          if (zeroed.has(region)) continue;
          zeroed.add(region);
          this.zero({ region });
        }
      },
    });
    this.latency.zero({ region: defaultRegion });
    this.passDuration = new Histogram({
      name: 'match_pass_duration_seconds',
      help: 'Duration of one matching pass: time-outs, reading the queue, pairing, claiming',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.unplaced = new Gauge({
      name: 'match_unplaced_pairs',
      help: 'Pairs the last pass could not place because no live room server had capacity',
      registers,
    });
  }

  recordPass(report: PassReport): void {
    this.passDuration.observe(report.durationMs / 1000);
    this.timeouts.inc(report.timedOut);
    this.matches.inc(report.claimed.length);
    this.unplaced.set(report.unplaced);
    for (const { left, right, region, claimedAtMs } of report.claimed) {
      this.latencyRegions.add(region);
      this.latency.observe({ region }, Math.max(0, claimedAtMs - left.enqueuedAtMs) / 1000);
      this.latency.observe({ region }, Math.max(0, claimedAtMs - right.enqueuedAtMs) / 1000);
    }
  }
}

/**
 * A gauge by region read at scrape time; with Redis not answering, every series shows NaN (a gap on
 * the graph). Regions that are gone drop out (the gauge is reset at each scrape).
 */
function gaugeFromRedis(registry: Registry, name: string, help: string, read: () => Promise<RegionCounts>): void {
  let regions: string[] = [];
  new Gauge({
    name,
    help,
    labelNames: ['region'],
    registers: [registry],
    async collect() {
      const counts = await read().catch(() => undefined);
      if (!counts) {
        for (const region of regions) this.set({ region }, Number.NaN);
        return;
      }
      this.reset();
      regions = [...counts.keys()];
      for (const [region, count] of counts) this.set({ region }, count);
    },
  });
}
