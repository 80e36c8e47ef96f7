/**
 * Enqueue throughput and latency through gRPC against the real Matcher and a real Redis, with the
 * matching loop running, next to a no-op grpc-js server measured the same way in the same run.
 * Matcher (or no-op server) on core 0; Redis and this load generator on core 1.
 *
 *   npm run bench:matcher -- --seconds 5 --runs 3 --concurrency 64
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { EnqueueRequest } from '../src/gen/mini/matcher/v1/matcher.js';
import { RawGrpcChannel } from './support/raw-grpc.js';
import { registryAuth, connect } from '../test/support/grpc-clients.js';
import { RedisServer } from '../test/support/redis-server.js';
import { ServiceProcess, startMatcher } from '../test/support/service-process.js';
import { closedLoop, median, percentile, pinSelf, type LoadResult } from './support/load.js';

const options = new Command('bench:matcher')
  .option('--seconds <n>', 'length of each run', Number, 5)
  .option('--runs <n>', 'runs per server', Number, 3)
  .option('--concurrency <n>', 'calls in flight', Number, 64)
  .option('--channels <n>', 'gRPC connections the load spreads over', Number, 4)
  .parse()
  .opts<{ seconds: number; runs: number; concurrency: number; channels: number }>();

const serverCpu = 0;
const loadCpu = 1;
const mmrSpread = 3000;

async function runLoad(address: string, token: (i: number) => string): Promise<LoadResult> {
  const channels = Array.from({ length: options.channels }, () => new RawGrpcChannel(address));
  const result = await closedLoop(options.concurrency, options.seconds, (i) =>
    channels[i % channels.length]!.call(
      '/mini.matcher.v1.Matcher/Enqueue',
      EnqueueRequest.encode({ mmr: (i * 7919) % mmrSpread }).finish(),
      { authorization: `Bearer ${token(i)}` },
    ),
  );
  for (const channel of channels) channel.close();
  return result;
}

function show(label: string, r: LoadResult): void {
  console.log(
    `${label.padEnd(22)} ${r.perSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  max ${r.maxMs.toFixed(1)} ms  errors ${r.errors}`,
  );
}

await pinSelf(loadCpu);
const redis = await RedisServer.start({ cpu: loadCpu });
const admin = redis.client();
await admin.config('SET', 'appendonly', 'no');
const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: '600000' }, serverCpu);
const noop = await ServiceProcess.start('bench/noop-matcher.ts', [], {}, { cpu: serverCpu });
const registry = connect(matcher.address);
await registry.register({ addr: '127.0.0.1:7777', capacity: 100000 }, registryAuth());

// Sessions are written straight to Redis: creating them is set-up, not what is measured.
const perRun = Math.ceil(options.seconds * 20000);
const tokens: string[][] = [];
for (let run = 0; run < options.runs; run++) {
  const batch = Array.from({ length: perRun }, () => randomBytes(32).toString('base64url'));
  const pipeline = admin.pipeline();
  batch.forEach((token, i) => pipeline.hset(`session:${token}`, 'player_id', `bench-${run}-${i}`, 'expires', Date.now() + 3_600_000));
  await pipeline.exec();
  tokens.push(batch);
}

console.log(`machine: ${(await import('node:os')).cpus().length} cores; server on core ${serverCpu}, Redis + load generator on core ${loadCpu}`);
console.log(`load: ${options.concurrency} calls in flight over ${options.channels} connections, ${options.seconds} s per run, ${options.runs} runs\n`);
const noopRuns: LoadResult[] = [];
const matcherRuns: LoadResult[] = [];
for (let run = 0; run < options.runs; run++) {
  const baseline = await runLoad(noop.address, () => 'x'.repeat(43));
  show(`no-op grpc-js run ${run + 1}`, baseline);
  noopRuns.push(baseline);
  const batch = tokens[run]!;
  const result = await runLoad(matcher.address, (i) => batch[i % batch.length]!);
  show(`Matcher Enqueue run ${run + 1}`, result);
  matcherRuns.push(result);
}

// Enqueue → assignment, from the ticket's enqueue time and the time its status became assigned.
const waits: number[] = [];
let unassigned = 0;
for (let run = 0; run < options.runs; run++) {
  const count = Math.min(matcherRuns[run]!.completed, perRun);
  const pipeline = admin.pipeline();
  for (let i = 0; i < count; i++) pipeline.hmget(`match:ticket:bench-${run}-${i}`, 'status', 'enqueued_at', 'changed_at');
  for (const [, fields] of (await pipeline.exec()) ?? []) {
    const [state, enqueuedAt, changedAt] = fields as [string | null, string | null, string | null];
    if (state === 'assigned') waits.push(Number(changedAt) - Number(enqueuedAt));
    else unassigned += 1;
  }
}

const rate = median(matcherRuns.map((r) => r.perSecond));
const baseRate = median(noopRuns.map((r) => r.perSecond));
console.log('\nmedian of runs');
console.log(`  Matcher Enqueue:  ${rate.toFixed(0)} req/s, p99 ${median(matcherRuns.map((r) => r.p99Ms)).toFixed(2)} ms`);
console.log(`  no-op grpc-js:    ${baseRate.toFixed(0)} req/s, p99 ${median(noopRuns.map((r) => r.p99Ms)).toFixed(2)} ms`);
console.log(`  ratio:            ${((rate / baseRate) * 100).toFixed(0)} % of the no-op server`);
console.log(
  `  enqueue → assignment: p50 ${percentile(waits, 50)} ms, p99 ${percentile(waits, 99)} ms over ${waits.length} assigned (${unassigned} still queued or odd one out)`,
);

registry.close();
admin.disconnect();
await matcher.stop();
await noop.stop();
await redis.stop();
