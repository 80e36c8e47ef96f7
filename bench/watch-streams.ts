/**
 * Concurrent WatchAssignment streams on ONE Matcher process, next to a no-op grpc-js server that holds
 * the same streams (bench/noop-streams.ts), measured the same way in the same run. The server side
 * (Matcher + its own redis-server, or the no-op server) runs on core 0; this load generator on core 1.
 * Each run, on a fresh server:
 *
 * 1. log `--streams` players in (AuthenticateDevice, `--login-width` in flight; the no-op takes any token);
 * 2. idle `--idle-seconds` with no stream: CPU and RSS (VmRSS) of the server;
 * 3. open one WatchAssignment stream per player over `--channels` HTTP/2 connections, at most
 *    `--open-width` waiting for their first message at a time, and check that every one got it;
 * 4. idle again with every stream open: CPU and RSS;
 * 5. Enqueue every player (open loop at `--rate`/s, one MMR; a registered fake room server has the
 *    capacity) and time enqueue → ASSIGNED message on that player's stream.
 *
 *   npm run bench:watch -- --streams 10000 --runs 3
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { EnqueueRequest } from '../src/gen/mini/matcher/v1/matcher.js';
import { connect, registryAuth } from '../test/support/grpc-clients.js';
import { RedisServer } from '../test/support/redis-server.js';
import { ServiceProcess, startMatcher } from '../test/support/service-process.js';
import { eventually } from '../test/support/wait.js';
import { describeGc, gcPauses } from './support/gc-trace.js';
import { cpuMs, median, openLoop, percentile, pinSelf } from './support/load.js';
import { describeMachine, rssMiB } from './support/machine-info.js';
import { sleep } from './support/measure.js';
import { RawGrpcChannel } from './support/raw-grpc.js';
import { Cleanup, inBatches } from './support/room-stack.js';
import { fmt, writeSummary, type Figure } from './support/summary.js';
import { WatchSwarm } from './support/watch-swarm.js';
import { deviceIdOf } from '../test/support/device-id.js';

const options = new Command('bench:watch')
  .option('--streams <n>', 'concurrent WatchAssignment streams (= players)', Number, 10000)
  .option('--channels <n>', 'HTTP/2 connections the streams spread over', Number, 8)
  .option('--rate <n>', 'Enqueue calls per second once every stream is open (open loop)', Number, 1000)
  .option('--idle-seconds <n>', 'CPU measurement with no stream, then with every stream open', Number, 5)
  .option('--open-width <n>', 'streams waiting for their first message at a time', Number, 500)
  .option('--login-width <n>', 'AuthenticateDevice calls in flight', Number, 200)
  .option('--runs <n>', 'runs (medians are reported)', Number, 3)
  .option('--no-baseline', 'skip the no-op grpc-js server')
  .option('--per-second', 'also print enqueue → ASSIGNED percentiles for each second of Enqueue calls')
  .option(
    '--matcher-node-args <args>',
    'node flags for the Matcher, space-separated: "--trace-gc" (GC pauses during the Enqueue phase are reported), "--cpu-prof --cpu-prof-dir=/tmp/p", "--max-semi-space-size=64"',
    '',
  )
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{
    streams: number;
    channels: number;
    rate: number;
    idleSeconds: number;
    openWidth: number;
    loginWidth: number;
    runs: number;
    baseline: boolean;
    perSecond?: boolean;
    matcherNodeArgs: string;
    json?: string;
  }>();

const serverCpu = 0;
const loadCpu = 1;
const enqueuePath = '/mini.matcher.v1.Matcher/Enqueue';
/** One MMR for everybody: every player pairs with the next one queued, so all of them get a room. */
const mmr = 1500;
const traceGc = options.matcherNodeArgs.split(' ').includes('--trace-gc');
/** How long the last assignment may take after the last Enqueue before the run gives up on it. */
const assignGraceMs = 30_000;

/** A server under test: its address, the processes whose CPU counts, the players' tokens. */
interface Server {
  name: 'Matcher' | 'no-op';
  address: string;
  pid: number | undefined;
  redisPid: number | undefined;
  tokens: string[];
  loginMs: number;
  /** The server's output lines so far (GC trace lines when --trace-gc). */
  output: string[];
}

interface RunResult {
  streams: number;
  firstOk: number;
  assigned: number;
  failed: number;
  failures: string[];
  loginPerSec: number;
  openSec: number;
  firstP99Ms: number;
  rssIdleMiB: number;
  rssStreamsMiB: number;
  cpuIdlePercent: number;
  cpuStreamsPercent: number;
  redisStreamsPercent: number;
  openCpuUsPerStream: number;
  assignP50Ms: number;
  assignP99Ms: number;
  enqueueAchievedPerSec: number;
  enqueueErrors: number;
  /** Server (and Redis) CPU from the first Enqueue to the last ASSIGNED, per player. */
  cpuUsPerPlayer: number;
  redisUsPerPlayer: number;
  /** This process (the load generator) while opening streams, % of its core (while enqueueing it polls, so always ~100 %). */
  generatorOpenPercent: number;
  gc: string;
}

async function startMatcherServer(cleanup: Cleanup): Promise<Server> {
  const redis = await RedisServer.start({ cpu: serverCpu });
  cleanup.add(() => redis.stop());
  const admin = redis.client();
  await admin.config('SET', 'appendfsync', 'everysec').finally(() => admin.disconnect());
  const nodeArgs = options.matcherNodeArgs.split(' ').filter((arg) => arg !== '');
  const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: '600000' }, serverCpu, nodeArgs);
  cleanup.add(() => matcher.stop());
  const clients = connect(matcher.address);
  cleanup.add(() => clients.close());
  await clients.register({ addr: '127.0.0.1:7777', capacity: 100_000, checkpointTtlMs: 0 }, registryAuth());
  const t0 = performance.now();
  const label = randomBytes(4).toString('hex');
  const tokens = await inBatches(options.streams, options.loginWidth, async (i) => (await clients.authenticateDevice({ deviceId: deviceIdOf(`watch-${label}-${i}`) })).token);
  return { name: 'Matcher', address: matcher.address, pid: matcher.child.pid, redisPid: redis.pid, tokens, loginMs: performance.now() - t0, output: matcher.output };
}

async function startNoopServer(cleanup: Cleanup): Promise<Server> {
  const noop = await ServiceProcess.start('bench/noop-streams.ts', [], {}, { cpu: serverCpu });
  cleanup.add(() => noop.stop());
  const tokens = Array.from({ length: options.streams }, () => randomBytes(32).toString('base64url'));
  return { name: 'no-op', address: noop.address, pid: noop.child.pid, redisPid: undefined, tokens, loginMs: Number.NaN, output: noop.output };
}

/** CPU of a process over `seconds` of doing nothing asked of it, in % of one core. */
async function idleCpuPercent(pid: number | undefined, seconds: number): Promise<number> {
  const before = cpuMs(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return ((cpuMs(pid) - before) * 100) / (performance.now() - t0);
}

/** Opens a stream per player and measures the server idle before and after: phases 2 to 4. */
async function openStreams(server: Server, swarm: WatchSwarm) {
  const n = server.tokens.length;
  await sleep(1000); // let start-up and login work settle before the idle measurement
  const cpuIdlePercent = await idleCpuPercent(server.pid, options.idleSeconds);
  const rssIdleMiB = rssMiB(server.pid);
  const openCpu0 = cpuMs(server.pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await swarm.open(server.tokens, options.openWidth);
  const openSec = (performance.now() - t0) / 1000;
  const generatorOpenPercent = selfPercent(self0, openSec);
  const openCpuUsPerStream = ((cpuMs(server.pid) - openCpu0) * 1000) / n;
  const firstOk = swarm.counts.first;
  const firstP99Ms = percentile(swarm.watches.flatMap((w) => (w.firstAtMs !== undefined ? [w.firstAtMs - w.openedAtMs] : [])), 99);
  await sleep(1000);
  const redisCpu0 = cpuMs(server.redisPid);
  const t1 = performance.now();
  const cpuStreamsPercent = await idleCpuPercent(server.pid, options.idleSeconds);
  const redisStreamsPercent = ((cpuMs(server.redisPid) - redisCpu0) * 100) / (performance.now() - t1);
  const rssStreamsMiB = rssMiB(server.pid);
  return { cpuIdlePercent, rssIdleMiB, openSec, generatorOpenPercent, openCpuUsPerStream, firstOk, firstP99Ms, cpuStreamsPercent, redisStreamsPercent, rssStreamsMiB };
}

/** Enqueues every player and waits for every ASSIGNED: phase 5. */
async function enqueueAll(server: Server, swarm: WatchSwarm) {
  const n = server.tokens.length;
  const enqueuedAtMs = new Array<number>(n);
  const channels = Array.from({ length: 4 }, () => new RawGrpcChannel(server.address));
  const cpu0 = cpuMs(server.pid);
  const redis0 = cpuMs(server.redisPid);
  const outputFrom = server.output.length;
  // Every player is enqueued: no call is dropped for being late (the delay shows in the latency).
  const load = await openLoop(options.rate, n / options.rate, n, (i) => {
    enqueuedAtMs[i] = performance.now();
    return channels[i % channels.length]!.call(enqueuePath, EnqueueRequest.encode({ mmr }).finish(), { authorization: `Bearer ${server.tokens[i]}` });
  });
  for (const channel of channels) channel.close();
  await eventually('every stream to get its assignment', () => swarm.counts.assigned + swarm.counts.failed >= n, assignGraceMs, 50).catch(() => undefined);
  const waits = swarm.watches.map((w, i) => (w.assignedAtMs ?? Number.NaN) - enqueuedAtMs[i]!);
  if (options.perSecond) {
    for (let from = 0; from < n; from += options.rate) {
      const slice = waits.slice(from, from + options.rate).filter(Number.isFinite);
      console.log(`    Enqueue second ${from / options.rate}: p50 ${percentile(slice, 50).toFixed(1)} ms, p99 ${percentile(slice, 99).toFixed(1)} ms, max ${Math.max(...slice).toFixed(1)} ms`);
    }
  }
  const assignedWaits = waits.filter(Number.isFinite);
  return {
    assignP50Ms: percentile(assignedWaits, 50),
    assignP99Ms: percentile(assignedWaits, 99),
    enqueueAchievedPerSec: load.perSecond,
    enqueueErrors: load.errors,
    cpuUsPerPlayer: ((cpuMs(server.pid) - cpu0) * 1000) / n,
    redisUsPerPlayer: ((cpuMs(server.redisPid) - redis0) * 1000) / n,
    gc: traceGc && server.name === 'Matcher' ? `; GC during Enqueue → ASSIGNED: ${describeGc(gcPauses(server.output.slice(outputFrom)))}` : '',
  };
}

async function oneRun(server: Server): Promise<RunResult> {
  const swarm = new WatchSwarm(server.address, options.channels);
  try {
    const opened = await openStreams(server, swarm);
    const enqueued = await enqueueAll(server, swarm);
    const { assigned, failed } = swarm.counts;
    const failures = [...new Set(swarm.watches.flatMap((w) => (w.error ? [w.error] : [])))].slice(0, 3);
    return { streams: server.tokens.length, assigned, failed, failures, loginPerSec: (server.tokens.length * 1000) / server.loginMs, ...opened, ...enqueued };
  } finally {
    swarm.close();
  }
}

/** This process's CPU since `since`, in % of one core. */
function selfPercent(since: NodeJS.CpuUsage, seconds: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 10_000 / seconds;
}

function show(name: string, r: RunResult): void {
  const login = Number.isFinite(r.loginPerSec) ? `logins ${r.loginPerSec.toFixed(0)}/s; ` : '';
  console.log(
    `  ${name.padEnd(7)} ${login}${r.firstOk}/${r.streams} streams got their first message in ${r.openSec.toFixed(1)} s (first-message p99 ${r.firstP99Ms.toFixed(0)} ms, ${r.openCpuUsPerStream.toFixed(0)} µs CPU per stream opened); ` +
      `RSS ${r.rssIdleMiB.toFixed(0)} → ${r.rssStreamsMiB.toFixed(0)} MiB, idle CPU ${r.cpuIdlePercent.toFixed(1)} % → ${r.cpuStreamsPercent.toFixed(1)} %` +
      `${Number.isFinite(r.redisStreamsPercent) ? ` (its Redis ${r.redisStreamsPercent.toFixed(1)} %)` : ''}; ` +
      `Enqueue ${r.enqueueAchievedPerSec.toFixed(0)}/s (${r.enqueueErrors} errors): ${r.assigned}/${r.streams} got ASSIGNED, enqueue → ASSIGNED p50 ${r.assignP50Ms.toFixed(1)} ms, p99 ${r.assignP99Ms.toFixed(1)} ms, ` +
      `CPU ${r.cpuUsPerPlayer.toFixed(0)} µs/player${Number.isFinite(r.redisUsPerPlayer) ? ` + Redis ${r.redisUsPerPlayer.toFixed(0)} µs` : ''}; ` +
      `generator CPU ${r.generatorOpenPercent.toFixed(0)} % while opening${r.gc}` +
      `${r.failed > 0 ? `; ${r.failed} streams failed: ${r.failures.join(' | ')}` : ''}`,
  );
}

await pinSelf(loadCpu);
console.log(`npm run bench:watch -- ${process.argv.slice(2).join(' ')}`);
console.log(`${describeMachine()}`);
console.log(`Matcher + its Redis (or the no-op grpc-js server) on core ${serverCpu}, load generator on core ${loadCpu}`);
console.log(
  `${options.streams} WatchAssignment streams over ${options.channels} HTTP/2 connections; idle ${options.idleSeconds} s; then Enqueue for all at ${options.rate}/s; ${options.runs} run(s)\n`,
);

const results: { matcher: RunResult[]; noop: RunResult[] } = { matcher: [], noop: [] };
for (let run = 1; run <= options.runs; run++) {
  console.log(`run ${run}`);
  for (const start of options.baseline ? [startNoopServer, startMatcherServer] : [startMatcherServer]) {
    const cleanup = new Cleanup();
    try {
      const server = await start(cleanup);
      const result = await oneRun(server);
      (server.name === 'Matcher' ? results.matcher : results.noop).push(result);
      show(server.name, result);
    } finally {
      await cleanup.run();
      cleanup.dispose();
    }
  }
}

const med = (rs: RunResult[], pick: (r: RunResult) => number): number => (rs.length > 0 ? median(rs.map(pick)) : Number.NaN);
const m = (pick: (r: RunResult) => number) => med(results.matcher, pick);
const b = (pick: (r: RunResult) => number) => med(results.noop, pick);
const perStreamKiB = (r: RunResult): number => ((r.rssStreamsMiB - r.rssIdleMiB) * 1024) / r.streams;
/** Streams open at once: got their first message and did not fail before the end. */
const held = (r: RunResult): number => Math.min(r.firstOk, r.streams - r.failed);

console.log(`\nmedian of ${options.runs} run(s), ${options.streams} streams`);
console.log(`  ${''.padEnd(44)} ${'Matcher'.padStart(12)}  ${'no-op grpc-js'.padStart(14)}  Matcher / no-op`);
const row = (label: string, pick: (r: RunResult) => number, unit: string, digits = 0): void => {
  const mv = m(pick);
  const bv = b(pick);
  const times = bv > 0 ? `${(mv / bv).toFixed(2)}×` : '—';
  console.log(`  ${label.padEnd(44)} ${`${mv.toFixed(digits)} ${unit}`.padStart(12)}  ${`${bv.toFixed(digits)} ${unit}`.padStart(14)}  ${times.padStart(10)}`);
};
row('streams held open (first message, no error)', held, '');
row('streams that got their ASSIGNED', (r) => r.assigned, '');
row('time to open all streams', (r) => r.openSec, 's', 1);
row('first message p99', (r) => r.firstP99Ms, 'ms', 1);
row('RSS, no stream', (r) => r.rssIdleMiB, 'MiB');
row('RSS, every stream open', (r) => r.rssStreamsMiB, 'MiB');
row('RSS per stream', perStreamKiB, 'KiB', 1);
row('CPU idle, no stream', (r) => r.cpuIdlePercent, '%', 1);
row('CPU idle, every stream open', (r) => r.cpuStreamsPercent, '%', 1);
row('CPU per stream opened', (r) => r.openCpuUsPerStream, 'µs');
row('enqueue → ASSIGNED p50', (r) => r.assignP50Ms, 'ms', 1);
row('enqueue → ASSIGNED p99', (r) => r.assignP99Ms, 'ms', 1);
row('CPU per player, enqueue → ASSIGNED', (r) => r.cpuUsPerPlayer, 'µs');
console.log(`  (Matcher's Redis: ${m((r) => r.redisUsPerPlayer).toFixed(0)} µs per player, ${m((r) => r.redisStreamsPercent).toFixed(1)} % CPU with every stream idle; logins ${m((r) => r.loginPerSec).toFixed(0)}/s)`);
console.log(`  per run, Matcher streams held: ${results.matcher.map(held).join(', ')}, assigned: ${results.matcher.map((r) => r.assigned).join(', ')}; enqueue → ASSIGNED p99: ${results.matcher.map((r) => r.assignP99Ms.toFixed(0)).join(', ')} ms`);

const ratio = (value: number, base: number, what: string): string => (Number.isFinite(base) && base > 0 ? `${(value / base).toFixed(2)}× ${what}` : '');
const figures: Figure[] = [
  {
    figure: 'concurrent WatchAssignment streams held by one Matcher (first message, no error until the end)',
    unit: 'streams',
    value: m(held),
    runs: results.matcher.map(held),
    target: { atLeast: 10_000 },
    baseline: `no-op grpc-js held ${fmt(b(held))}`,
    ratio: ratio(m(held), b(held), 'no-op'),
    note: `offered ${options.streams} over ${options.channels} connections; got their ASSIGNED, per run: ${results.matcher.map((r) => r.assigned).join(', ')}`,
  },
  {
    figure: `enqueue → ASSIGNED on the stream, p99 (${options.streams} streams open, Enqueue at ${options.rate}/s)`,
    unit: 'ms',
    value: m((r) => r.assignP99Ms),
    runs: results.matcher.map((r) => r.assignP99Ms),
    target: { atMost: 250 },
    baseline: `no-op grpc-js (QUEUED + ASSIGNED written at once) ${fmt(b((r) => r.assignP99Ms))} ms`,
    ratio: ratio(m((r) => r.assignP99Ms), b((r) => r.assignP99Ms), 'no-op'),
    note: `p50 ${fmt(m((r) => r.assignP50Ms))} ms; target is the issue's enqueue → assignment p99`,
  },
  {
    figure: `Matcher RSS with ${options.streams} streams open`,
    unit: 'MiB',
    value: m((r) => r.rssStreamsMiB),
    runs: results.matcher.map((r) => r.rssStreamsMiB),
    baseline: `no-op grpc-js ${fmt(b((r) => r.rssStreamsMiB))} MiB`,
    ratio: ratio(m((r) => r.rssStreamsMiB), b((r) => r.rssStreamsMiB), 'no-op'),
    note: `${fmt(m(perStreamKiB))} KiB per stream (no-op ${fmt(b(perStreamKiB))} KiB); ${fmt(m((r) => r.rssIdleMiB))} MiB with none`,
  },
  {
    figure: `Matcher CPU with ${options.streams} streams open and idle`,
    unit: '% of a core',
    value: m((r) => r.cpuStreamsPercent),
    runs: results.matcher.map((r) => r.cpuStreamsPercent),
    baseline: `no-op grpc-js ${fmt(b((r) => r.cpuStreamsPercent))} %`,
    note: `${fmt(m((r) => r.cpuIdlePercent))} % with no stream (matching passes every 100 ms)`,
  },
  {
    figure: 'Matcher CPU per player, Enqueue → match → ASSIGNED pushed',
    unit: 'µs',
    value: m((r) => r.cpuUsPerPlayer),
    runs: results.matcher.map((r) => r.cpuUsPerPlayer),
    baseline: `no-op grpc-js (Enqueue + 2 writes) ${fmt(b((r) => r.cpuUsPerPlayer))} µs`,
    ratio: ratio(m((r) => r.cpuUsPerPlayer), b((r) => r.cpuUsPerPlayer), 'no-op'),
    note: `+ its Redis ${fmt(m((r) => r.redisUsPerPlayer))} µs`,
  },
];
writeSummary(options.json, 'bench:watch', figures);
