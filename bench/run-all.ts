/**
 * Every benchmark in a row, with settings that fit about 17 minutes on the 2-core machine, then one
 * table of the figures against the issue's targets (Markdown, for bench/README.md). Each benchmark is
 * its own process (pinning itself and its servers as usual) and writes its summary with `--json`; its
 * own output streams through, so the per-run lines behind every median are in the log.
 *
 *   npm run bench                     # all of them (~17 min)
 *   npm run bench -- --only watch,redis
 *   npm run bench -- --quick          # one run each, smaller: a smoke test of the whole set (~5 min)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describeMachine, machineInfo } from './support/machine-info.js';
import { fmt, targetText, verdict, type BenchSummary } from './support/summary.js';

const options = new Command('bench')
  .option('--only <names>', 'comma-separated subset: matcher, pass, rooms, reconnect, watch, redis, failover, redis-ha, cluster')
  .option('--quick', 'one run of each with smaller settings (a smoke test, not figures to quote)')
  .option('--json <file>', 'also write every summary, with the machine, to this file')
  .parse()
  .opts<{ only?: string; quick?: boolean; json?: string }>();

/** Each benchmark's script, entry and the arguments used here (full / --quick). */
const benches: { name: string; script: string; entry: string; args: string[]; quickArgs: string[] }[] = [
  { name: 'matcher', script: 'bench:matcher', entry: 'bench/matcher-enqueue.ts', args: ['--seconds', '3', '--runs', '3'], quickArgs: ['--seconds', '2', '--runs', '1'] },
  { name: 'pass', script: 'bench:pass', entry: 'bench/matching-pass.ts', args: ['--players', '10000', '--runs', '3'], quickArgs: ['--players', '10000', '--runs', '1'] },
  {
    name: 'rooms',
    script: 'bench:rooms',
    entry: 'bench/room-capacity.ts',
    args: ['--levels', '300,400,500', '--seconds', '6', '--settle-seconds', '2', '--runs', '3'],
    quickArgs: ['--levels', '300,500', '--seconds', '4', '--settle-seconds', '2', '--runs', '1'],
  },
  {
    name: 'reconnect',
    script: 'bench:reconnect',
    entry: 'bench/reconnect.ts',
    args: ['--drops', '350', '--crashes', '2', '--runs', '3'],
    quickArgs: ['--drops', '100', '--crashes', '1', '--runs', '1'],
  },
  {
    name: 'watch',
    script: 'bench:watch',
    entry: 'bench/watch-streams.ts',
    args: ['--streams', '10000', '--idle-seconds', '3', '--runs', '3'],
    quickArgs: ['--streams', '10000', '--idle-seconds', '2', '--runs', '1'],
  },
  { name: 'redis', script: 'bench:redis', entry: 'bench/redis-cost.ts', args: ['--seconds', '5', '--runs', '3'], quickArgs: ['--seconds', '5', '--runs', '1', '--matches', '200'] },
  {
    name: 'failover',
    script: 'bench:failover',
    entry: 'bench/failover.ts',
    args: ['--runs', '2'],
    quickArgs: ['--runs', '1', '--games', '50', '--faults', 'kill,drain'],
  },
  {
    name: 'redis-ha',
    script: 'bench:redis-ha',
    entry: 'bench/redis-ha.ts',
    args: ['--failovers', '5', '--runs', '3'],
    quickArgs: ['--failovers', '2', '--runs', '1', '--seconds', '2'],
  },
  {
    name: 'cluster',
    script: 'bench:cluster',
    entry: 'bench/cluster.ts',
    args: ['--seconds', '3', '--runs', '3'],
    quickArgs: ['--seconds', '2', '--runs', '1'],
  },
];

/** Runs one benchmark with its output passed through; resolves with its exit code and whether Ctrl-C came. */
function runBench(entry: string, args: string[]): Promise<{ code: number | null; interrupted: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child too (same process group): let it stop its servers, then stop here.
  let interrupted = false;
  const onSignal = (): void => void (interrupted = true);
  process.on('SIGINT', onSignal);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      process.off('SIGINT', onSignal);
      resolve({ code, interrupted });
    }),
  );
}

const only = options.only?.split(',').map((s) => s.trim());
const chosen = benches.filter((b) => !only || only.includes(b.name));
const dir = mkdtempSync(join(tmpdir(), 'mini-bench-'));
const started = Date.now();
console.log(`npm run bench -- ${process.argv.slice(2).join(' ')}`);
console.log(describeMachine());
console.log(`os.cpus(): ${cpus().map((c, i) => `cpu${i} ${c.model} ${c.speed} MHz`).join('; ')}\n`);

const summaries: BenchSummary[] = [];
const failures: string[] = [];
for (const bench of chosen) {
  const file = join(dir, `${bench.name}.json`);
  const args = [...(options.quick ? bench.quickArgs : bench.args), '--json', file];
  console.log(`\n=== npm run ${bench.script} -- ${args.slice(0, -2).join(' ')}\n`);
  const t0 = Date.now();
  const { code, interrupted } = await runBench(bench.entry, args);
  console.log(`=== ${bench.script}: exit ${code}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (interrupted) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  }
  try {
    const summary = JSON.parse(readFileSync(file, 'utf8')) as BenchSummary;
    summary.command = summary.command.replace(/ --json \S+$/, '');
    summaries.push(summary);
  } catch {
    failures.push(`${bench.script} (exit ${code}, no summary)`);
  }
}
rmSync(dir, { recursive: true, force: true });

const cell = (text: string | undefined): string => (text ?? '').replaceAll('|', '\\|');
console.log(`\n\n## Summary (${((Date.now() - started) / 60000).toFixed(1)} min${options.quick ? ', --quick: one run each, not figures to quote' : ''})\n`);
console.log(`Machine: ${describeMachine()}\n`);
console.log('| figure | target | measured (median) | baseline (same run) | ratio | verdict | command |');
console.log('|---|---|---|---|---|---|---|');
for (const summary of summaries) {
  for (const f of summary.figures) {
    const runs = f.runs && f.runs.length > 1 ? ` (runs: ${f.runs.map(fmt).join(' · ')})` : '';
    const measured = `**${fmt(f.value)} ${f.unit}**${runs}${f.note ? `; ${f.note}` : ''}`;
    console.log(
      `| ${cell(f.figure)} | ${cell(targetText(f.target, f.unit))} | ${cell(measured)} | ${cell(f.baseline)} | ${cell(f.ratio)} | ${cell(verdict(f.value, f.target, f.unit))} | \`${cell(summary.command)}\` |`,
    );
  }
}
for (const failure of failures) console.log(`| ${failure} | | | | | FAILED | |`);
console.log(`\nLoad average (1 min) as each benchmark finished: ${summaries.map((s) => `${s.bench} ${s.machine.loadAverage1m.toFixed(2)}`).join(', ')}`);
console.log('(this machine is shared: above ~1 the figures include other work competing for the two cores)');
if (options.json) writeFileSync(options.json, `${JSON.stringify({ machine: machineInfo(), summaries, failures }, null, 2)}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
