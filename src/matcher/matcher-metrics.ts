import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PassReport } from './match-loop.js';

/** Where the gauges of shared state are read from (Redis), so every replica reports the same truth. */
export interface SharedStateSources {
  queueSize(): Promise<number>;
  liveRoomServers(): Promise<number>;
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

  constructor(registry: Registry, sources: SharedStateSources) {
    const registers = [registry];
    gaugeFromRedis(registry, 'match_queue_size', 'Players waiting in the matchmaking queue (ZCARD match:queue)', sources.queueSize);
    gaugeFromRedis(registry, 'room_servers_live', 'Room servers in the live set with a running lease', sources.liveRoomServers);
    this.matches = new Counter({ name: 'match_success_total', help: 'Matches made (rooms claimed) by this process', registers });
    this.timeouts = new Counter({ name: 'match_timeout_total', help: 'Players who waited past MATCH_MAX_WAIT_SEC and left the queue', registers });
    this.latency = new Histogram({
      name: 'match_latency_seconds',
      help: 'Time from a player\'s enqueue to their assignment to a room',
      buckets: matchLatencyBucketsSec,
      registers,
    });
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
    for (const { left, right } of report.claimed) {
      this.latency.observe(Math.max(0, report.claimedAtMs - left.enqueuedAtMs) / 1000);
      this.latency.observe(Math.max(0, report.claimedAtMs - right.enqueuedAtMs) / 1000);
    }
  }
}

/** A gauge read at scrape time; NaN (a gap on the graph) when Redis does not answer. */
function gaugeFromRedis(registry: Registry, name: string, help: string, read: () => Promise<number>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read().catch(() => Number.NaN));
    },
  });
}
