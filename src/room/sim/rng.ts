/**
 * One draw of mulberry32: a uint32 value and the generator's next state. Integer-only (Math.imul),
 * so the sequence is the same on every machine and its whole state fits in one checkpoint field.
 */
export function nextRandom(rngState: number): { value: number; rngState: number } {
  const next = (rngState + 0x6d2b79f5) >>> 0;
  let t = Math.imul(next ^ (next >>> 15), next | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: (t ^ (t >>> 14)) >>> 0, rngState: next };
}
