import { readFileSync } from 'node:fs';
import { build, type Histogram } from 'hdr-histogram-js';

export interface LoadResult {
  completed: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Closed-loop load: `concurrency` workers each call `op(i)` back to back for `seconds`, with a
 * fresh index per call. Latencies go into an HDR histogram (microsecond resolution).
 */
export async function closedLoop(concurrency: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(histogram, errors, (performance.now() - start) / 1000);
}

/**
 * Open-loop load: starts calls at a fixed rate whether or not earlier ones have finished, and
 * measures each from the moment it was due (so a stalled server cannot hide its queueing delay).
 * At most `maxInFlight` calls are outstanding; a call due while at that limit counts as an error.
 */
export async function openLoop(
  ratePerSec: number,
  seconds: number,
  maxInFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const total = Math.round(ratePerSec * seconds);
  let started = 0;
  let inFlight = 0;
  let errors = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  while (started < total) {
    const dueCount = Math.min(total, Math.floor(((performance.now() - start) / 1000) * ratePerSec) + 1);
    for (; started < dueCount; started++) {
      const dueAt = start + (started / ratePerSec) * 1000;
      if (inFlight >= maxInFlight) {
        errors += 1;
        continue;
      }
      inFlight += 1;
      const call: Promise<void> = op(started).then(
        () => histogram.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000))),
        () => void (errors += 1),
      ).finally(() => {
        inFlight -= 1;
        pending.delete(call);
      });
      pending.add(call);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return summarize(histogram, errors, (performance.now() - start) / 1000);
}

function summarize(histogram: Histogram, errors: number, seconds: number): LoadResult {
  const result = {
    completed: histogram.totalCount,
    errors,
    seconds,
    perSecond: histogram.totalCount / seconds,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    maxMs: histogram.maxValue / 1000,
  };
  histogram.destroy();
  return result;
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A percentile of some numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Pins this process (all its threads) to one core. */
export async function pinSelf(cpu: number): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)]);
  if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr.toString()}`);
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the stat line (11 and 12 after the command name), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSec;
}

const clockTicksPerSec = 100;
