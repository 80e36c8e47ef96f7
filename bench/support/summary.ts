import { writeFileSync } from 'node:fs';
import { machineInfo, type MachineInfo } from './machine-info.js';

/** A target a figure is held to: at least or at most a value, in the figure's unit. */
export interface Target {
  atLeast?: number;
  atMost?: number;
}

/**
 * One figure of a benchmark's summary: the median over its runs, the per-run values it is the
 * median of, and what it is compared with (the baseline of the same kind measured in the same run).
 */
export interface Figure {
  figure: string;
  unit: string;
  value: number;
  runs?: number[];
  target?: Target;
  /** The baseline, as text with its unit (e.g. "no-op grpc-js 9,585 /s"). */
  baseline?: string;
  /** The figure against its baseline or against the machine's limit (e.g. "51 % of no-op"). */
  ratio?: string;
  note?: string;
}

/** What `--json <file>` writes: the command that was run, the machine, the figures. */
export interface BenchSummary {
  bench: string;
  command: string;
  machine: MachineInfo;
  figures: Figure[];
}

/** The command line this benchmark was started with, as an npm script would print it. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2);
  return `npm run ${script}${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
}

/** Writes the summary to `file` when the benchmark was given `--json <file>`. */
export function writeSummary(file: string | undefined, script: string, figures: Figure[]): void {
  if (!file) return;
  const summary: BenchSummary = { bench: script, command: commandLine(script), machine: machineInfo(), figures };
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
}

/** Whether a value meets its target, and by how much it misses: "met", "missed by 3 % (4,844 < 5,000)". */
export function verdict(value: number, target: Target | undefined, unit: string): string {
  if (!target) return '';
  if (!Number.isFinite(value)) return 'no value';
  if (target.atLeast !== undefined && value < target.atLeast) {
    const short = (100 * (target.atLeast - value)) / target.atLeast;
    return `MISSED by ${short.toFixed(short < 10 ? 1 : 0)} % (${fmt(value)} < ${fmt(target.atLeast)} ${unit})`;
  }
  if (target.atMost !== undefined && value > target.atMost) {
    return `MISSED: ${(value / target.atMost).toFixed(2)}× the limit (${fmt(value)} > ${fmt(target.atMost)} ${unit})`;
  }
  return 'met';
}

/** A target as text: "≥ 5,000 /s", "≤ 20 ms". */
export function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '—';
  const parts: string[] = [];
  if (target.atLeast !== undefined) parts.push(`≥ ${fmt(target.atLeast)}`);
  if (target.atMost !== undefined) parts.push(`≤ ${fmt(target.atMost)}`);
  return `${parts.join(', ')} ${unit}`;
}

/** A number for a table: thousands separated, decimals only where they mean something. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
