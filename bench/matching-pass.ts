/**
 * One matching pass over a full queue: read it, pair it, claim every pair atomically in Redis.
 * Redis on core 1, the pass (this process) on core 0; the pure pairing is timed on its own too.
 *
 *   npm run bench:pass -- --players 10000 --runs 5
 */
import { Command } from 'commander';
import { pino } from 'pino';
import { MatchLoop } from '../src/matcher/match-loop.js';
import { MatchStore } from '../src/matcher/match-store.js';
import { pairPlayers } from '../src/matcher/matching.js';
import { defineMatcherScripts } from '../src/matcher/scripts.js';
import { createRedis, waitForRedis } from '../src/shared/redis/client.js';
import { Keys } from '../src/shared/redis/keys.js';
import { RedisServer } from '../test/support/redis-server.js';
import { median, pinSelf } from './support/load.js';
import { fmt, writeSummary } from './support/summary.js';


const options = new Command('bench:pass')
  .option('--players <n>', 'players in the queue', Number, 10000)
  .option('--runs <n>', 'passes to time', Number, 5)
  .option('--mmr-spread <n>', 'MMRs are spread evenly over 0..n', Number, 3000)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{ players: number; runs: number; mmrSpread: number; json?: string }>();

const policy = { mmrTolerance: 200, windowGrowthPerSec: 10, windowMax: 400 };
await pinSelf(0);
const server = await RedisServer.start({ cpu: 1 });
const admin = server.client();
await admin.config('SET', 'appendonly', 'no');
const log = pino({ level: 'warn' });
const redis = createRedis({ url: server.url, commandTimeoutMs: 10000, maxReconnectDelayMs: 1000, connectionName: 'bench' }, log);
defineMatcherScripts(redis);
await waitForRedis(redis, 5000);
const keys = new Keys('');
const dk = keys.region('default');
const store = new MatchStore(redis, keys, { roomMapSec: 300, outcomeSec: 3600 });
const loop = new MatchLoop(store, { ...policy, maxWaitMs: 600000, passIntervalMs: 100, claimBatchPairs: 250 }, Date.now, log);

/**
 * Baseline: the same key writes a pass makes for its rooms (room_map HSET + EXPIRE per player, room
 * info HSET per room), sent as a plain pipeline with no reads, checks or atomicity.
 */
async function rawWritesMs(players: number): Promise<number> {
  await admin.flushall();
  const start = performance.now();
  const pipeline = redis.pipeline();
  for (let i = 0; i + 1 < players; i += 2) {
    for (const p of [i, i + 1]) {
      pipeline.hset(dk.roomMap(`p${p}`), 'room_id', `r${i}`, 'addr', '127.0.0.1:7777', 'opponent_id', `p${p ^ 1}`, 'slot', 'left', 'assigned_at', 1, 'enqueued_at', 1);
      pipeline.expire(dk.roomMap(`p${p}`), 300);
    }
    pipeline.hset(dk.roomInfo(`r${i}`), 'player_count', 2, 'status', 'assigned', 'addr', '127.0.0.1:7777', 'left_id', `p${i}`, 'right_id', `p${i + 1}`, 'created_at', 1);
  }
  await pipeline.exec();
  return performance.now() - start;
}

const passMs: number[] = [];
const baselineMs: number[] = [];
const readMs: number[] = [];
const pairMs: number[] = [];
let lastClaimed = 0;
for (let run = 0; run < options.runs; run++) {
  await admin.flushall();
  await admin.hset(dk.roomServer('127.0.0.1:7777'), 'server_id', 's', 'addr', '127.0.0.1:7777', 'capacity', 1_000_000, 'status', 'live');
  await admin.zadd(dk.roomServerLoad(), 0, '127.0.0.1:7777');
  const now = Date.now();
  await admin.zadd(keys.activeRegions(), now, 'default');
  const fill = admin.pipeline();
  for (let i = 0; i < options.players; i++) {
    const player = `p-${run}-${i}`;
    fill.zadd(dk.queue(), (i * 7919) % options.mmrSpread, player);
    fill.zadd(dk.waiting(), now, player);
  }
  await fill.exec();

  const t0 = performance.now();
  const queue = await store.readQueue('default');
  const t1 = performance.now();
  pairPlayers(queue, Date.now(), policy);
  const t2 = performance.now();
  readMs.push(t1 - t0);
  pairMs.push(t2 - t1);

  const start = performance.now();
  const report = await loop.runPass();
  passMs.push(performance.now() - start);
  lastClaimed = report.claimed.length;
  baselineMs.push(await rawWritesMs(options.players));
  console.log(
    `run ${run + 1}: pass ${passMs.at(-1)!.toFixed(1)} ms (read ${readMs.at(-1)!.toFixed(1)} ms, pure pairing ${pairMs.at(-1)!.toFixed(2)} ms), ${report.claimed.length} rooms claimed, ${report.queued - report.claimed.length * 2} left queued; baseline raw writes ${baselineMs.at(-1)!.toFixed(1)} ms`,
  );
}
console.log(`\n${options.players} queued players, median of ${options.runs} passes:`);
console.log(`  full pass (time-outs + read + pair + claim ${lastClaimed} rooms): ${median(passMs).toFixed(1)} ms`);
console.log(`  read queue: ${median(readMs).toFixed(1)} ms; pure pairing: ${median(pairMs).toFixed(2)} ms`);
console.log(
  `  baseline, the same room writes as one plain pipeline: ${median(baselineMs).toFixed(1)} ms (pass = ${(median(passMs) / median(baselineMs)).toFixed(2)}× that)`,
);
writeSummary(options.json, 'bench:pass', [
  {
    figure: `one matching pass over ${options.players} queued players (${lastClaimed} rooms claimed)`,
    unit: 'ms',
    value: median(passMs),
    runs: passMs,
    target: { atMost: 100 },
    baseline: `the same room writes as one plain pipeline ${fmt(median(baselineMs))} ms`,
    ratio: `${(median(passMs) / median(baselineMs)).toFixed(2)}× the pipeline`,
    note: `read queue ${fmt(median(readMs))} ms, pure pairing ${median(pairMs).toFixed(2)} ms`,
  },
]);
redis.disconnect();
admin.disconnect();
await server.stop();
