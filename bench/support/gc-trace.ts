/**
 * Pause times (ms) in the lines a node process started with --trace-gc printed, e.g.
 * `[123:0x5f…]   4567 ms: Mark-Compact 310.2 (330.5) -> 250.1 (331.0) MB, 85.31 / 0.00 ms  (…) …`:
 * the first figure after "MB," is the pause of the main thread.
 */
export function gcPauses(lines: readonly string[]): { kind: string; pauseMs: number }[] {
  const pauses: { kind: string; pauseMs: number }[] = [];
  for (const line of lines) {
    const match = /\d+ ms: ([A-Za-z-]+(?: \([^)]*\))?) .*?MB, ([\d.]+) \//.exec(line);
    if (match) pauses.push({ kind: match[1]!, pauseMs: Number(match[2]) });
  }
  return pauses;
}

/** Count, total and longest pause, by kind: "Scavenge 41× 37 ms (max 2.1), Mark-Compact 2× 190 ms (max 101)". */
export function describeGc(pauses: { kind: string; pauseMs: number }[]): string {
  const byKind = new Map<string, number[]>();
  for (const p of pauses) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p.pauseMs]);
  if (byKind.size === 0) return 'no GC';
  return [...byKind]
    .map(([kind, ms]) => `${kind} ${ms.length}× ${ms.reduce((a, b) => a + b, 0).toFixed(0)} ms (max ${Math.max(...ms).toFixed(1)})`)
    .join(', ');
}
