import { build, type Histogram } from 'hdr-histogram-js';
import type { Distribution } from './distribution.js';

/** Values are kept in thousandths of their unit: 0.001 (ticks/s, s) is the finest step told apart. */
const stepsPerUnit = 1000;

/**
 * Values of one kind (a rate, a duration) as running aggregates: the exact count, sum, min and max,
 * and an HDR histogram (4 significant digits: 60 ticks/s is told from 60.002) for the percentiles,
 * which are within 0.01 % and never outside [min, max]. Its memory does not grow with the number of
 * values. A negative value (not expected) counts as 0 in the percentiles, as itself in min and mean.
 */
export class ValueHistogram {
  private readonly histogram: Histogram = build({ numberOfSignificantValueDigits: 4 });
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  record(value: number): void {
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.histogram.recordValue(Math.max(0, Math.round(value * stepsPerUnit)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The value at percentile p (0..100) by nearest rank; NaN without values. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    return Math.min(this.max, Math.max(this.min, this.histogram.getValueAtPercentile(p) / stepsPerUnit));
  }

  /** The same fields as distributionOf gives for the values themselves (NaN without values). */
  summary(): Distribution {
    const count = this.count;
    const nan = Number.NaN;
    if (count === 0) return { count, min: nan, mean: nan, p50: nan, p90: nan, p99: nan, max: nan };
    return { count, min: this.min, mean: this.sum / count, p50: this.percentile(50), p90: this.percentile(90), p99: this.percentile(99), max: this.max };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
