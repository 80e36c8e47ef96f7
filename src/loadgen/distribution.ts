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
