/**
 * One Redis against a Redis Cluster (3 masters + 3 replicas), in the same run, with the players spread
 * over 2 and then 4 regions:
 * - Enqueue through a real Matcher: the most calls per second with `--concurrency` in flight, and
 *   p50/p99 at `--rate` offered (open loop); a no-op grpc-js server measured the same way is the baseline;
 * - the matching pass over every region holding `--queued` players (all regions' passes run at once,
 *   as the match loop runs them), and one region's pass alone.
 * The Matcher and the Redis processes run on core 0, this load generator on core 1. The regions are
 * picked so that on the cluster they fall on different masters (as far as there are masters).
 *
 *   npm run bench:cluster -- --seconds 3 --runs 3 --queued 10000 --rate 500   (the defaults)
 */
import { Command } from 'commander';
import type { Cluster } from 'ioredis';
import { pino } from 'pino';
import { MatchLoop } from '../src/matcher/match-loop.js';
import { MatchStore } from '../src/matcher/match-store.js';
import { defineMatcherScripts } from '../src/matcher/scripts.js';
import { closeRedis, createRedis, waitForRedis, type RedisConnection } from '../src/shared/redis/client.js';
import { Keys } from '../src/shared/redis/keys.js';
import { parseEnv } from '../src/shared/config/env.js';
import { redisConfigOf, redisEnv } from '../src/shared/config/redis.js';
import { RedisCluster } from '../scripts/lib/redis-cluster.js';
import { connect, registryAuth } from '../test/support/grpc-clients.js';
import { RedisServer } from '../test/support/redis-server.js';
import { ServiceProcess, startMatcher, type RedisTarget } from '../test/support/service-process.js';
import { enqueueCalls, withCpuPerCall } from './support/enqueue-load.js';
import { closedLoop, median, openLoop, pinSelf, type LoadResult } from './support/load.js';
import { seedSessions } from './support/sessions.js';
import { fmt, writeSummary, type Figure } from './support/summary.js';

const options = new Command('bench:cluster')
  .option('--seconds <n>', 'length of each Enqueue measurement', Number, 3)
  .option('--runs <n>', 'runs (the median is reported)', Number, 3)
  .option('--concurrency <n>', 'Enqueue calls in flight for the throughput measurement', Number, 64)
  .option('--rate <n>', 'offered Enqueue calls per second for the latency measurement (below saturation on every layout)', Number, 500)
  .option('--queued <n>', 'players queued in each region for the matching pass', Number, 10000)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{ seconds: number; runs: number; concurrency: number; rate: number; queued: number; json?: string }>();

const serverCpu = 0;
const loadCpu = 1;
const regionCounts = [2, 4];
const keys = new Keys('');
const policy = { mmrTolerance: 200, windowGrowthPerSec: 10, windowMax: 400 };
const fakeServerAddr = '127.0.0.1:7777';
const log = pino({ level: 'warn' });

/** A running Redis layout the bench can use and empty between measurements. */
interface Storage {
  name: string;
  target: RedisTarget;
  pids: () => number[];
  /** A connection like the Matcher's (scripts defined). */
  connection: RedisConnection;
  /** Deletes every key on every data node. */
  flush(): Promise<void>;
  /** Names `count` regions, on as many different masters as there are. */
  regions(count: number): Promise<string[]>;
  stop(): Promise<void>;
}

async function singleRedis(): Promise<Storage> {
  const server = await RedisServer.start({ cpu: serverCpu });
  const admin = server.client();
  await admin.config('SET', 'appendonly', 'no');
  const connection = createRedis({ url: server.url, commandTimeoutMs: 10000, maxReconnectDelayMs: 1000, connectionName: 'bench' }, log);
  defineMatcherScripts(connection);
  await waitForRedis(connection, 5000);
  return {
    name: '1 Redis',
    target: server.url,
    pids: () => [server.pid!],
    connection,
    flush: async () => void (await admin.flushall()),
    regions: async (count) => candidates.slice(0, count),
    stop: async () => {
      admin.disconnect();
      await closeRedis(connection);
      await server.stop();
    },
  };
}

async function redisCluster(): Promise<Storage> {
  const cluster = await RedisCluster.start({ cpu: serverCpu });
  // Connected as a service is, from the variables the cluster gives its services.
  const config = redisConfigOf(parseEnv(redisEnv, cluster.env()));
  const connection = createRedis({ ...config, commandTimeoutMs: 10000, maxReconnectDelayMs: 1000, connectionName: 'bench' }, log);
  defineMatcherScripts(connection);
  await waitForRedis(connection, 10000);
  return {
    name: '3-master cluster',
    target: cluster.env(),
    pids: () => cluster.pids,
    connection,
    flush: async () => {
      const masters = (connection as Cluster).nodes('master');
      await Promise.all(masters.map((node) => node.flushall()));
    },
    regions: async (count) => {
      // Round-robin over the masters, so that regions share a master only once each has one.
      const byMaster = new Map<number, string[]>();
      for (const name of candidates) {
        const master = await cluster.masterOf(keys.region(name).queue());
        byMaster.set(master, [...(byMaster.get(master) ?? []), name]);
      }
      const lists = [...byMaster.values()];
      const picked: string[] = [];
      for (let i = 0; picked.length < count; i++) picked.push(...lists.map((list) => list[i]).filter((name): name is string => name !== undefined));
      return picked.slice(0, count);
    },
    stop: async () => {
      await closeRedis(connection);
      await cluster.stop();
    },
  };
}

const candidates = Array.from({ length: 24 }, (_, i) => `region-${i}`);

/** A load result with the CPU per call of the server side's processes, summed (µs). */
interface Measured extends LoadResult {
  cpuUsPerCall: number;
}

const loads = {
  saturate: (op: (i: number) => Promise<unknown>) => closedLoop(options.concurrency, options.seconds, op),
  rate: (op: (i: number) => Promise<unknown>) => openLoop(options.rate, options.seconds, 2000, op),
};

/** Enqueue calls of `load` (call i as player i of `tokens`, into region i mod `regions`), with the CPU of `pids`. */
async function measuredEnqueue(pids: number[], address: string, load: keyof typeof loads, tokens: string[], regions: string[]): Promise<Measured> {
  const result = await withCpuPerCall(pids, () => enqueueCalls(address, tokens, loads[load], { channels: 4, regions }));
  return { ...result, cpuUsPerCall: result.cpuUsPerCall.reduce((a, b) => a + b, 0) };
}

/** Fills each region's queue with `queued` players and a server with room for all, then times one pass. */
async function passMs(storage: Storage, regions: string[]): Promise<number> {
  await storage.flush();
  const now = Date.now();
  const redis = storage.connection;
  for (const region of regions) {
    const r = keys.region(region);
    await redis.hset(r.roomServer(fakeServerAddr), 'server_id', 's', 'addr', fakeServerAddr, 'capacity', 1_000_000, 'status', 'live');
    await redis.zadd(r.roomServerLoad(), 0, fakeServerAddr);
    await redis.zadd(keys.activeRegions(), now, region);
    for (let from = 0; from < options.queued; from += 5000) {
      const players = Array.from({ length: Math.min(5000, options.queued - from) }, (_, i) => `${region}-p${from + i}`);
      await redis.zadd(r.queue(), ...players.flatMap((p, i) => [((from + i) * 7919) % 3000, p]));
      await redis.zadd(r.waiting(), ...players.flatMap((p) => [now, p]));
    }
  }
  const store = new MatchStore(redis, keys, { roomMapSec: 300, outcomeSec: 3600 });
  const loop = new MatchLoop(store, { ...policy, maxWaitMs: 600000, passIntervalMs: 100, claimBatchPairs: 250 }, Date.now, log);
  const start = performance.now();
  const report = await loop.runPass();
  const ms = performance.now() - start;
  if (report.claimed.length < (regions.length * options.queued) / 2 - regions.length * 10) throw new Error(`the pass claimed only ${report.claimed.length} rooms`);
  return ms;
}

interface TopologyFigures {
  name: string;
  byRegions: Map<number, { saturated: Measured[]; atRate: Measured[]; allPasses: number[]; onePass: number[]; regions: string[] }>;
}

async function measureTopology(storage: Storage, noop: ServiceProcess): Promise<{ figures: TopologyFigures; noopRuns: Measured[][] }> {
  const figures: TopologyFigures = { name: storage.name, byRegions: new Map() };
  for (const count of regionCounts) {
    const regions = await storage.regions(count);
    figures.byRegions.set(count, { saturated: [], atRate: [], allPasses: [], onePass: [], regions });
  }
  // The passes first, with no Matcher running (its own match loop would claim the pairs).
  for (const [count, entry] of figures.byRegions) {
    for (let run = 1; run <= options.runs; run++) {
      entry.allPasses.push(await passMs(storage, entry.regions));
      entry.onePass.push(await passMs(storage, entry.regions.slice(0, 1)));
      console.log(`${storage.name}, run ${run}: pass over ${count} regions × ${options.queued} ${entry.allPasses.at(-1)!.toFixed(1)} ms, one region's ${entry.onePass.at(-1)!.toFixed(1)} ms`);
    }
  }
  const matcher = await startMatcher(storage.target, { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: '600000' }, serverCpu);
  const registry = connect(matcher.address);
  const noopRuns: Measured[][] = [];
  try {
    for (const [count, entry] of figures.byRegions) {
      for (let run = 1; run <= options.runs; run++) {
        await storage.flush();
        for (const [i, region] of entry.regions.entries()) {
          await registry.register({ addr: `127.0.0.1:${8000 + i}`, capacity: 100_000, checkpointTtlMs: 0, region }, registryAuth());
        }
        const pids = [matcher.child.pid!, ...storage.pids()];
        const saturating = await seedSessions(storage.connection, `max${count}-${run}`, Math.ceil(options.seconds * 20000));
        const paced = await seedSessions(storage.connection, `rate${count}-${run}`, Math.ceil(options.seconds * options.rate));
        const noopSaturated = await measuredEnqueue([noop.child.pid!], noop.address, 'saturate', ['x'], entry.regions);
        entry.saturated.push(await measuredEnqueue(pids, matcher.address, 'saturate', saturating, entry.regions));
        const noopAtRate = await measuredEnqueue([noop.child.pid!], noop.address, 'rate', ['x'], entry.regions);
        entry.atRate.push(await measuredEnqueue(pids, matcher.address, 'rate', paced, entry.regions));
        noopRuns.push([noopSaturated, noopAtRate]);
        const sat = entry.saturated.at(-1)!;
        const paced99 = entry.atRate.at(-1)!;
        console.log(
          `${storage.name}, ${count} regions, run ${run}: Enqueue saturated ${sat.perSecond.toFixed(0)}/s (errors ${sat.errors}); at ${options.rate}/s p50 ${paced99.p50Ms.toFixed(2)} p99 ${paced99.p99Ms.toFixed(2)} ms (errors ${paced99.errors}); ` +
            `no-op ${noopSaturated.perSecond.toFixed(0)}/s, p99 ${noopAtRate.p99Ms.toFixed(2)} ms`,
        );
      }
    }
  } finally {
    registry.close();
    await matcher.stop();
  }
  return { figures, noopRuns };
}

await pinSelf(loadCpu);
const noop = await ServiceProcess.start('bench/noop-matcher.ts', [], {}, { cpu: serverCpu });
const all: TopologyFigures[] = [];
const noopAll: Measured[][] = [];
try {
  for (const start of [singleRedis, redisCluster]) {
    const storage = await start();
    try {
      const { figures, noopRuns } = await measureTopology(storage, noop);
      all.push(figures);
      noopAll.push(...noopRuns);
    } finally {
      await storage.stop();
    }
  }
} finally {
  await noop.stop();
}

const noopRate = median(noopAll.map(([saturated]) => saturated!.perSecond));
const noopP99 = median(noopAll.map(([, atRate]) => atRate!.p99Ms));
console.log(`\nmedian of ${options.runs} runs; server side on core ${serverCpu}, load on core ${loadCpu}; no-op grpc-js: ${noopRate.toFixed(0)}/s saturated, p99 ${noopP99.toFixed(2)} ms at ${options.rate}/s`);
const summary: Figure[] = [];
for (const count of regionCounts) {
  const single = all[0]!.byRegions.get(count)!;
  for (const topology of all) {
    const f = topology.byRegions.get(count)!;
    const rate = median(f.saturated.map((r) => r.perSecond));
    const p99 = median(f.atRate.map((r) => r.p99Ms));
    const pass = median(f.allPasses);
    const one = median(f.onePass);
    const vsSingle = topology === all[0] ? '' : ` (${((rate / median(single.saturated.map((r) => r.perSecond))) * 100).toFixed(0)} % of 1 Redis)`;
    console.log(
      `  ${topology.name.padEnd(17)} ${count} regions: Enqueue ${rate.toFixed(0)}/s saturated${vsSingle}, ${((rate / noopRate) * 100).toFixed(0)} % of no-op; p99 at ${options.rate}/s ${p99.toFixed(2)} ms (${(p99 / noopP99).toFixed(1)}× no-op); ` +
        `CPU/Enqueue (Matcher + Redis) ${median(f.atRate.map((r) => r.cpuUsPerCall)).toFixed(0)} µs; pass over ${count} × ${options.queued} queued ${pass.toFixed(1)} ms, one region alone ${one.toFixed(1)} ms [${f.regions.join(', ')}]`,
    );
    summary.push(
      {
        figure: `${topology.name}, ${count} regions: Matcher Enqueue/s, saturated`,
        unit: '/s',
        value: rate,
        runs: f.saturated.map((r) => r.perSecond),
        baseline: `no-op grpc-js ${fmt(noopRate)} /s`,
        ratio: `${((rate / noopRate) * 100).toFixed(0)} % of no-op`,
      },
      {
        figure: `${topology.name}, ${count} regions: Enqueue p99 at ${options.rate}/s`,
        unit: 'ms',
        value: p99,
        runs: f.atRate.map((r) => r.p99Ms),
        baseline: `no-op grpc-js p99 ${fmt(noopP99)} ms`,
        ratio: `${(p99 / noopP99).toFixed(1)}× no-op`,
      },
      {
        figure: `${topology.name}: a pass over ${count} regions × ${options.queued} queued (all at once)`,
        unit: 'ms',
        value: pass,
        runs: f.allPasses,
        target: { atMost: 100 * count },
        baseline: `one region's pass alone ${fmt(one)} ms`,
        ratio: `${(pass / one).toFixed(2)}× one region`,
      },
    );
  }
}
writeSummary(options.json, 'bench:cluster', summary);
