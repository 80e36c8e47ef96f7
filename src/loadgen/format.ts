import type { Distribution } from './distribution.js';

/** A number with fixed decimals, or '–' when there is none (NaN / null from JSON). */
export function fixed(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(decimals);
}

/** "p50 12.3 · p99 45.6 · max 78.9 ms (n 10)", or "no samples". */
export function latencyLine(d: Distribution, unit = 'ms'): string {
  if (d.count === 0) return 'no samples';
  return `p50 ${fixed(d.p50)} · p99 ${fixed(d.p99)} · max ${fixed(d.max)} ${unit} (n ${d.count})`;
}

/** "p50 60.0 · p1 59.9 · min 59.8 /s (n 10)" for rates, where the low end matters. */
export function rateLine(d: Distribution & { p1: number }, unit = '/s'): string {
  if (d.count === 0) return 'no samples';
  return `p50 ${fixed(d.p50, 2)} · p1 ${fixed(d.p1, 2)} · min ${fixed(d.min, 2)} ${unit} (n ${d.count})`;
}

/** "a 3 · b 1", or "none". */
export function countsLine(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(' · ');
}
