/**
 * Enqueue throughput and latency through gRPC against the real Matcher and a real Redis, with the
 * matching loop running, next to a no-op grpc-js server measured the same way in the same run.
 * Each run measures (1) the most calls per second with `--concurrency` calls in flight, and
 * (2) latency at a fixed offered rate (`--rate`, open loop), then enqueue → assignment at that rate.
 * The server side (Matcher and its Redis, or the no-op server) runs on core 0; this load generator on core 1.
 *
 *   npm run bench:matcher -- --seconds 5 --runs 3 --concurrency 64 --rate 5000
 */
import { cpus } from 'node:os';
import { Command } from 'commander';
import type { Redis } from 'ioredis';
import { connect, registryAuth } from '../test/support/grpc-clients.js';
import { RedisServer } from '../test/support/redis-server.js';
import { ServiceProcess, startMatcher } from '../test/support/service-process.js';
import { enqueueCalls, withCpuPerCall, type Load } from './support/enqueue-load.js';
import { closedLoop, median, openLoop, percentile, pinSelf, type LoadResult } from './support/load.js';
import { fmt, writeSummary } from './support/summary.js';
import { seedSessions } from './support/sessions.js';
import { Keys } from '../src/shared/redis/keys.js';
import { defaultRegion } from '../src/shared/region.js';

const keys = new Keys('');

const options = new Command('bench:matcher')
  .option('--seconds <n>', 'length of each measurement', Number, 5)
  .option('--runs <n>', 'runs (the median is reported)', Number, 3)
  .option('--concurrency <n>', 'calls in flight for the throughput measurement', Number, 64)
  .option('--rate <n>', 'offered calls per second for the latency measurement', Number, 5000)
  .option('--channels <n>', 'gRPC connections the load spreads over', Number, 4)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .option('--matcher-node-args <args>', 'node flags for the Matcher, space-separated, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"', '')
  .parse()
  .opts<{ seconds: number; runs: number; concurrency: number; rate: number; channels: number; json?: string; matcherNodeArgs: string }>();

const serverCpu = 0;
const loadCpu = 1;
const saturate: Load = (op) => closedLoop(options.concurrency, options.seconds, op);
const atRate: Load = (op) => openLoop(options.rate, options.seconds, 2000, op);

/** Runs a load of Enqueue calls, call i acting as player i of `tokens`. */
const enqueueLoad = (address: string, load: Load, tokens: string[]): Promise<LoadResult> => enqueueCalls(address, tokens, load, { channels: options.channels });

/** Enqueue → assignment times (ms) of players `${label}-0..count-1`, from their room_map. */
async function assignmentWaits(admin: Redis, label: string, count: number): Promise<{ waits: number[]; unassigned: number }> {
  const pipeline = admin.pipeline();
  for (let i = 0; i < count; i++) pipeline.hmget(keys.region(defaultRegion).roomMap(`${label}-${i}`), 'enqueued_at', 'assigned_at');
  const waits: number[] = [];
  let unassigned = 0;
  for (const [, fields] of (await pipeline.exec()) ?? []) {
    const [enqueuedAt, assignedAt] = fields as [string | null, string | null];
    if (assignedAt === null) unassigned += 1;
    else waits.push(Number(assignedAt) - Number(enqueuedAt));
  }
  return { waits, unassigned };
}

/** A load result with the CPU each server-side process spent per completed call (µs). */
interface Measured extends LoadResult {
  cpuUsPerCall: number[];
}

function show(label: string, r: Measured): void {
  console.log(
    `  ${label.padEnd(30)} ${r.perSecond.toFixed(0).padStart(6)} /s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  errors ${r.errors}  CPU/call ${r.cpuUsPerCall.map((us) => `${us.toFixed(0)} µs`).join(' + ')}`,
  );
}

await pinSelf(loadCpu);
const redis = await RedisServer.start({ cpu: serverCpu });
const admin = redis.client();
await admin.config('SET', 'appendonly', 'no');
const nodeArgs = options.matcherNodeArgs.split(' ').filter((arg) => arg !== '');
const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: '600000' }, serverCpu, nodeArgs);
const noop = await ServiceProcess.start('bench/noop-matcher.ts', [], {}, { cpu: serverCpu });
const registry = connect(matcher.address);
try {
  await registry.register({ addr: '127.0.0.1:7777', capacity: 100_000, checkpointTtlMs: 0 }, registryAuth());

  console.log(`${cpus().length} cores (${cpus()[0]?.model}); Matcher + Redis or no-op server on core ${serverCpu}, load generator on core ${loadCpu}`);
  console.log(`throughput: ${options.concurrency} calls in flight; latency: ${options.rate}/s offered; ${options.seconds} s each; ${options.channels} connections\n`);
  const dummy = ['x'.repeat(43)];
  const results = { noopMax: [] as Measured[], matcherMax: [] as Measured[], noopRate: [] as Measured[], matcherRate: [] as Measured[] };
  const matcherPids = [matcher.child.pid, redis.pid];
  const noopPids = [noop.child.pid];
  const waits: number[] = [];
  let unassigned = 0;
  for (let run = 1; run <= options.runs; run++) {
    console.log(`run ${run}`);
    const saturating = await seedSessions(admin, `max${run}`, Math.ceil(options.seconds * 20000));
    const paced = await seedSessions(admin, `rate${run}`, Math.ceil(options.seconds * options.rate));
    results.noopMax.push(await withCpuPerCall(noopPids, () => enqueueLoad(noop.address, saturate, dummy)));
    show('no-op grpc-js, saturated', results.noopMax.at(-1)!);
    results.matcherMax.push(await withCpuPerCall(matcherPids, () => enqueueLoad(matcher.address, saturate, saturating)));
    show('Matcher Enqueue, saturated', results.matcherMax.at(-1)!);
    results.noopRate.push(await withCpuPerCall(noopPids, () => enqueueLoad(noop.address, atRate, dummy)));
    show(`no-op grpc-js at ${options.rate}/s`, results.noopRate.at(-1)!);
    results.matcherRate.push(await withCpuPerCall(matcherPids, () => enqueueLoad(matcher.address, atRate, paced)));
    show(`Matcher Enqueue at ${options.rate}/s`, results.matcherRate.at(-1)!);
    const assigned = await assignmentWaits(admin, `rate${run}`, paced.length);
    waits.push(...assigned.waits);
    unassigned += assigned.unassigned;
  }

  const med = (rs: Measured[], pick: (r: Measured) => number) => median(rs.map(pick));
  const maxRate = med(results.matcherMax, (r) => r.perSecond);
  const noopRate = med(results.noopMax, (r) => r.perSecond);
  console.log(`\nmedian of ${options.runs} runs`);
  console.log(`  Matcher Enqueue, saturated:   ${maxRate.toFixed(0)}/s (no-op grpc-js ${noopRate.toFixed(0)}/s; ratio ${((maxRate / noopRate) * 100).toFixed(0)} %)`);
  console.log(
    `  Matcher Enqueue at ${options.rate}/s:   p50 ${med(results.matcherRate, (r) => r.p50Ms).toFixed(2)} ms, p99 ${med(results.matcherRate, (r) => r.p99Ms).toFixed(2)} ms, achieved ${med(results.matcherRate, (r) => r.perSecond).toFixed(0)}/s (no-op p99 ${med(results.noopRate, (r) => r.p99Ms).toFixed(2)} ms)`,
  );
  const cpu = (rs: Measured[], i: number) => med(rs, (r) => r.cpuUsPerCall[i]!).toFixed(0);
  console.log(
    `  CPU per Enqueue at ${options.rate}/s:   Matcher ${cpu(results.matcherRate, 0)} µs + Redis ${cpu(results.matcherRate, 1)} µs (no-op grpc-js ${cpu(results.noopRate, 0)} µs)`,
  );
  console.log(`  enqueue → assignment at ${options.rate}/s: p50 ${percentile(waits, 50)} ms, p99 ${percentile(waits, 99)} ms (${waits.length} assigned, ${unassigned} not)`);
  const noopP99 = med(results.noopRate, (r) => r.p99Ms);
  writeSummary(options.json, 'bench:matcher', [
    {
      figure: 'Matcher Enqueue/s, saturated',
      unit: '/s',
      value: maxRate,
      runs: results.matcherMax.map((r) => r.perSecond),
      target: { atLeast: 5000 },
      baseline: `no-op grpc-js ${fmt(noopRate)} /s`,
      ratio: `${((maxRate / noopRate) * 100).toFixed(0)} % of no-op`,
    },
    {
      figure: `Enqueue latency p99 at ${options.rate}/s offered`,
      unit: 'ms',
      value: med(results.matcherRate, (r) => r.p99Ms),
      runs: results.matcherRate.map((r) => r.p99Ms),
      target: { atMost: 20 },
      baseline: `no-op grpc-js ${fmt(noopP99)} ms`,
      ratio: `${(med(results.matcherRate, (r) => r.p99Ms) / noopP99).toFixed(1)}× no-op`,
      note: `p50 ${fmt(med(results.matcherRate, (r) => r.p50Ms))} ms; CPU per Enqueue: Matcher ${cpu(results.matcherRate, 0)} µs + Redis ${cpu(results.matcherRate, 1)} µs (no-op ${cpu(results.noopRate, 0)} µs)`,
    },
    {
      figure: `enqueue → assignment p99 at ${options.rate}/s`,
      unit: 'ms',
      value: percentile(waits, 99),
      target: { atMost: 250 },
      note: `p50 ${percentile(waits, 50)} ms, all runs pooled; ${unassigned} not assigned`,
    },
  ]);
} finally {
  registry.close();
  admin.disconnect();
  await matcher.stop();
  await noop.stop();
  await redis.stop();
}
