import { build, type Histogram } from 'hdr-histogram-js';
import type { Distribution } from './distribution.js';

/** One point of a percentile curve: the latency at or under which `percentile` % of samples fall. */
export interface PercentilePoint {
  percentile: number;
  ms: number;
}

/** The percentiles a curve is drawn at: dense towards the tail, as HDR plots are. */
export const curvePercentiles: readonly number[] = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100];

/**
 * Latencies in an HDR histogram with microsecond resolution (3 significant digits): memory stays
 * bounded however long the run, and tail percentiles stay exact to 0.1 %.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  private sumMs = 0;

  recordMs(ms: number): void {
    const clamped = Math.max(0, ms);
    this.sumMs += clamped;
    this.histogram.recordValue(Math.max(1, Math.round(clamped * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): Distribution {
    const count = this.count;
    if (count === 0) return { count, min: Number.NaN, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const at = (p: number): number => this.histogram.getValueAtPercentile(p) / 1000;
    return { count, min: this.histogram.minNonZeroValue / 1000, mean: this.sumMs / count, p50: at(50), p90: at(90), p99: at(99), max: this.histogram.maxValue / 1000 };
  }

  /** The latency at each of curvePercentiles; empty without samples. */
  percentileCurve(): PercentilePoint[] {
    if (this.count === 0) return [];
    return curvePercentiles.map((percentile) => ({ percentile, ms: (percentile === 0 ? this.histogram.minNonZeroValue : this.histogram.getValueAtPercentile(percentile)) / 1000 }));
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
