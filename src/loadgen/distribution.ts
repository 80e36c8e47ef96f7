/**
 * A summary of some values (latencies in ms, rates in 1/s). With no values, count is 0 and every
 * other field is NaN, which JSON.stringify writes as null.
 */
export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The value at percentile p (0..100) of values sorted ascending, by nearest rank; NaN when empty. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The distribution of a list of values (nearest-rank percentiles). */
export function distributionOf(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const count = sorted.length;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count,
    min: count > 0 ? sorted[0]! : Number.NaN,
    mean: count > 0 ? sum / count : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: count > 0 ? sorted[count - 1]! : Number.NaN,
  };
}

/** The lowest value at or below percentile p: for "the slowest 1 % of games still got this rate". */
export function lowPercentileOf(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}
