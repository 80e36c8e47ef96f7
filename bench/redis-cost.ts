/**
 * What the system asks of Redis, against what this machine's Redis can do, in the same run.
 * Redis (AOF everysec, as deployed) with the Matcher (and a room server) on core 0; this process (the
 * load generator) and redis-benchmark on core 1. Each run, on fresh processes:
 *
 * 1. Commands per match: a Matcher on its own Redis with one registered (fake) room server; INFO
 *    commandstats around: an idle spell (the background passes), `--matches` × 2 logins
 *    (AuthenticateDevice), their Enqueue calls at `--enqueue-rate`/s until every pair is claimed,
 *    and one GetAssignment each. Counts include the commands run inside Lua scripts (Redis counts
 *    them in commandstats too) besides the script call itself.
 * 2. Commands per tick per room: `--rooms` rooms of UDP bots (bench/support/udp-swarm.ts) on one room
 *    server for `--seconds`; commandstats delta / (ticks × rooms), and Redis' CPU (INFO cpu).
 * 3. The seed load: the same rooms plus `--seed-enqueue-rate` Enqueue calls/s being matched: Redis'
 *    commands/s and CPU.
 * 4. The limit: redis-benchmark (SET, GET, HSET and a one-SET EVAL, -P 1; SET and GET -P 16) against a
 *    fresh redis-server with the same configuration on the same core.
 *
 *   npm run bench:redis -- --matches 500 --rooms 50 --seconds 10 --runs 3
 */
import { Command } from 'commander';
import type { Redis } from 'ioredis';
import { EnqueueRequest } from '../src/gen/mini/matcher/v1/matcher.js';
import { bearer, connect, registryAuth } from '../test/support/grpc-clients.js';
import { RedisServer } from '../test/support/redis-server.js';
import { startMatcher } from '../test/support/service-process.js';
import { eventually } from '../test/support/wait.js';
import { cpuMs, median, openLoop, pinSelf } from './support/load.js';
import { describeMachine } from './support/machine-info.js';
import { sleep } from './support/measure.js';
import { RawGrpcChannel } from './support/raw-grpc.js';
import { redisBenchmark, redisDelta, redisSnapshot, topCommands, type BenchmarkResult, type RedisDelta } from './support/redis-stats.js';
import { Cleanup, inBatches, RoomStack, statsLines } from './support/room-stack.js';
import { fmt, writeSummary, type Figure } from './support/summary.js';
import { UdpSwarm } from './support/udp-swarm.js';
import { deviceIdOf } from '../test/support/device-id.js';
import { Keys } from '../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const options = new Command('bench:redis')
  .option('--matches <n>', 'matches (pairs of players) for the commands-per-match count', Number, 500)
  .option('--enqueue-rate <n>', 'Enqueue calls per second while counting commands per match', Number, 200)
  .option('--rooms <n>', 'rooms of bots (two players each) for commands per tick and the seed load', Number, 50)
  .option('--seed-enqueue-rate <n>', 'Enqueue calls per second added to the rooms for the seed load', Number, 100)
  .option('--seconds <n>', 'length of each measurement window', Number, 10)
  .option('--idle-seconds <n>', 'idle spell that gives the background rate', Number, 3)
  .option('--runs <n>', 'runs (medians are reported)', Number, 3)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{
    matches: number;
    enqueueRate: number;
    rooms: number;
    seedEnqueueRate: number;
    seconds: number;
    idleSeconds: number;
    runs: number;
    json?: string;
  }>();

const serverCpu = 0;
const loadCpu = 1;
const fakeRoomServer = '127.0.0.1:7777';
const enqueuePath = '/mini.matcher.v1.Matcher/Enqueue';
const roomEnv = { LOG_LEVEL: 'info', ROOM_SCORE_LIMIT: '1000', ROOM_STATS_LOG_INTERVAL_MS: '1000' };

interface MatchCost {
  idlePerSec: number;
  perLogin: number;
  perMatch: number;
  /** Redis' CPU (INFO cpu, user + sys) per match, µs. */
  perMatchCpuUs: number;
  /** Of perMatch: what the idle background rate would have done over the same time. */
  backgroundPerMatch: number;
  perGetAssignment: number;
  /** Two logins, the match, two GetAssignments. */
  wholeFlowPerMatch: number;
  top: string;
}

interface TickCost {
  tickRate: number;
  activeRooms: number;
  perTickPerRoom: number;
  cpuUsPerTickPerRoom: number;
  roomsCommandsPerSec: number;
  roomsCpuPercent: number;
  roomsProcCpuPercent: number;
  seedCommandsPerSec: number;
  seedCpuPercent: number;
  seedProcCpuPercent: number;
  seedMatchesPerSec: number;
  top: string;
  seedTop: string;
}

interface RunResult {
  match: MatchCost;
  tick: TickCost;
  limit: BenchmarkResult[];
}

/** Enqueue calls for these players, open loop at `rate`/s; player i's MMR is shared with its partner (i xor 1). */
async function enqueueAll(address: string, tokens: string[], rate: number): Promise<void> {
  const channels = Array.from({ length: 2 }, () => new RawGrpcChannel(address));
  try {
    const result = await openLoop(rate, tokens.length / rate, tokens.length, (i) =>
      channels[i % channels.length]!.call(enqueuePath, EnqueueRequest.encode({ mmr: (Math.floor(i / 2) * 7919) % 3000 }).finish(), {
        authorization: `Bearer ${tokens[i]}`,
      }),
    );
    if (result.errors > 0) console.log(`  (${result.errors} Enqueue calls failed)`);
  } finally {
    for (const channel of channels) channel.close();
  }
}

/** Part 1: a Matcher on its own Redis; commands per login, per match, per GetAssignment. */
async function matchCost(run: number, cleanup: Cleanup): Promise<MatchCost> {
  const redis = await RedisServer.start({ cpu: serverCpu });
  cleanup.add(() => redis.stop());
  const admin = redis.client();
  cleanup.add(() => admin.disconnect());
  await admin.config('SET', 'appendfsync', 'everysec');
  const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: '600000' }, serverCpu);
  cleanup.add(() => matcher.stop());
  const clients = connect(matcher.address);
  cleanup.add(() => clients.close());
  await clients.register({ addr: fakeRoomServer, capacity: 100_000, checkpointTtlMs: 0 }, registryAuth());
  await sleep(1000);

  const s0 = await redisSnapshot(admin);
  await sleep(options.idleSeconds * 1000);
  const s1 = await redisSnapshot(admin);
  const idle = redisDelta(s0, s1);

  const players = options.matches * 2;
  const tokens = await inBatches(players, 64, async (i) => (await clients.authenticateDevice({ deviceId: deviceIdOf(`redis-cost-${run}-${i}`) })).token);
  const s2 = await redisSnapshot(admin);
  const logins = redisDelta(s1, s2);

  await enqueueAll(matcher.address, tokens, options.enqueueRate);
  let polls = 0;
  await eventually('every pair to be claimed', async () => {
    polls += 1;
    return (await admin.scard(dk.roomServerRooms(fakeRoomServer))) >= options.matches;
  }, 30_000, 100);
  const s3 = await redisSnapshot(admin);
  const matching = redisDelta(s2, s3, { scard: polls });

  await inBatches(players, 64, (i) => clients.getAssignment({}, bearer(tokens[i]!)));
  const s4 = await redisSnapshot(admin);
  const assignments = redisDelta(s3, s4);

  const perMatch = matching.totalCalls / options.matches;
  const perLogin = logins.totalCalls / players;
  const perGetAssignment = assignments.totalCalls / players;
  const result: MatchCost = {
    idlePerSec: idle.totalCalls / idle.seconds,
    perLogin,
    perMatch,
    perMatchCpuUs: (matching.cpuSec * 1e6) / options.matches,
    backgroundPerMatch: ((idle.totalCalls / idle.seconds) * matching.seconds) / options.matches,
    perGetAssignment,
    wholeFlowPerMatch: 2 * perLogin + perMatch + 2 * perGetAssignment,
    top: topCommands(matching, options.matches),
  };
  console.log(`  idle Matcher (nothing queued): ${result.idlePerSec.toFixed(1)} commands/s (${topCommands(idle, idle.seconds, 5)} per s)`);
  console.log(`  per login (AuthenticateDevice): ${perLogin.toFixed(2)} commands (${topCommands(logins, players, 5)})`);
  console.log(
    `  per match (2 Enqueue at ${options.enqueueRate}/s + passes + claim, ${matching.seconds.toFixed(1)} s): ${perMatch.toFixed(2)} commands, Redis CPU ${result.perMatchCpuUs.toFixed(0)} µs ` +
      `(background passes at the idle rate: ${result.backgroundPerMatch.toFixed(2)} of them)`,
  );
  console.log(`    top: ${result.top}`);
  console.log(`  per GetAssignment: ${perGetAssignment.toFixed(2)} commands (${topCommands(assignments, players, 5)})`);
  console.log(`  whole flow per match (2 logins + match + 2 GetAssignment): ${result.wholeFlowPerMatch.toFixed(1)} commands`);
  return result;
}

/**
 * Ticks per second and active rooms over a window, from the room server's stats lines: each looks
 * back 5 s, so those whose look-back lies (within a second) inside the window; for a window shorter
 * than 5 s, the ones at its end.
 */
function tickFigures(stack: RoomStack, fromMs: number, toMs: number): { tickRate: number; activeRooms: number } {
  const lookBackMs = Math.min(5000, toMs - fromMs);
  const lines = statsLines(stack.room).filter((l) => l.timeMs >= fromMs + lookBackMs - 1000 && l.timeMs <= toMs + 1000);
  return { tickRate: median(lines.map((l) => l.tick_rate)), activeRooms: median(lines.map((l) => l.active_rooms)) };
}

/** Redis' commands and CPU while `during` runs, with its CPU from /proc too (the two should agree). */
async function redisWindow(stack: RoomStack, admin: Redis, during: () => Promise<void>): Promise<{ delta: RedisDelta; procCpuPercent: number; fromMs: number; toMs: number }> {
  const fromMs = Date.now();
  const proc0 = cpuMs(stack.redis.pid);
  const before = await redisSnapshot(admin);
  await during();
  const after = await redisSnapshot(admin);
  const procCpuPercent = ((cpuMs(stack.redis.pid) - proc0) * 100) / (after.atMs - before.atMs);
  return { delta: redisDelta(before, after), procCpuPercent, fromMs, toMs: Date.now() };
}

/** Parts 2 and 3: rooms of bots; commands per tick per room; then the seed load. */
async function tickCost(run: number, cleanup: Cleanup): Promise<TickCost> {
  const stack = await RoomStack.start({ cpu: serverCpu, maxRooms: options.rooms, roomEnv, matcherEnv: { ROOM_SERVER_LEASE_TTL_MS: '600000' } });
  cleanup.add(() => stack.stop());
  const admin = stack.redis.client();
  cleanup.add(() => admin.disconnect());
  const swarm = new UdpSwarm();
  cleanup.add(() => {
    swarm.stop();
    swarm.closeAll(true);
  });
  swarm.start();
  const assignments = await stack.matchPlayers(options.rooms * 2, `redis-cost-${run}`);
  const outcomes = await inBatches(assignments.length, 100, (i) => swarm.connect(assignments[i]!.roomAddr, assignments[i]!.connectToken));
  const failed = outcomes.filter((o) => typeof o.outcome === 'string').length;
  if (failed > 0) console.log(`  (${failed} of ${outcomes.length} connects failed)`);
  // Players for the seed load's matchmaking, logged in now (not measured); their rooms go to a fake
  // server registered only now, since the room server is full (capacity = --rooms).
  const seedPlayers = Math.ceil(options.seedEnqueueRate * options.seconds);
  const seedTokens = await inBatches(seedPlayers, 64, async (i) => (await stack.clients.authenticateDevice({ deviceId: deviceIdOf(`redis-seed-${run}-${i}`) })).token);
  await stack.clients.register({ addr: fakeRoomServer, capacity: 100_000, checkpointTtlMs: 0 }, registryAuth());
  await sleep(3000);

  const rooms = await redisWindow(stack, admin, () => sleep(options.seconds * 1000));
  const { tickRate, activeRooms } = tickFigures(stack, rooms.fromMs, rooms.toMs);
  const roomTicks = tickRate * activeRooms * rooms.delta.seconds;
  const perTickPerRoom = rooms.delta.totalCalls / roomTicks;
  const cpuUsPerTickPerRoom = (rooms.delta.cpuSec * 1e6) / roomTicks;
  const roomsCommandsPerSec = rooms.delta.totalCalls / rooms.delta.seconds;
  const roomsCpuPercent = (rooms.delta.cpuSec * 100) / rooms.delta.seconds;
  const top = topCommands(rooms.delta, roomTicks, 6);
  console.log(
    `  ${activeRooms} rooms at ${tickRate.toFixed(2)} ticks/s for ${rooms.delta.seconds.toFixed(1)} s: ${perTickPerRoom.toFixed(3)} commands per tick per room ` +
      `(Redis CPU ${cpuUsPerTickPerRoom.toFixed(2)} µs), ${roomsCommandsPerSec.toFixed(0)} commands/s, Redis CPU ${roomsCpuPercent.toFixed(1)} % (/proc ${rooms.procCpuPercent.toFixed(1)} %)`,
  );
  console.log(`    top, per tick per room: ${top}`);

  const claimed = async (): Promise<number> => Number(await admin.scard(dk.roomServerRooms(fakeRoomServer)));
  const matches0 = await claimed();
  const seed = await redisWindow(stack, admin, () => enqueueAll(stack.matcher.address, seedTokens, options.seedEnqueueRate));
  const seedMatchesPerSec = ((await claimed()) - matches0) / seed.delta.seconds;
  const seedCommandsPerSec = seed.delta.totalCalls / seed.delta.seconds;
  const seedCpuPercent = (seed.delta.cpuSec * 100) / seed.delta.seconds;
  const seedTop = topCommands(seed.delta, seed.delta.seconds, 6);
  console.log(
    `  seed load (${options.rooms} rooms + ${options.seedEnqueueRate} Enqueue/s, ${seedMatchesPerSec.toFixed(0)} matches/s): ${seedCommandsPerSec.toFixed(0)} commands/s, ` +
      `Redis CPU ${seedCpuPercent.toFixed(1)} % (/proc ${seed.procCpuPercent.toFixed(1)} %)`,
  );
  console.log(`    top, per second: ${seedTop}`);
  return {
    tickRate,
    activeRooms,
    perTickPerRoom,
    cpuUsPerTickPerRoom,
    roomsCommandsPerSec,
    roomsCpuPercent,
    roomsProcCpuPercent: rooms.procCpuPercent,
    seedCommandsPerSec,
    seedCpuPercent,
    seedProcCpuPercent: seed.procCpuPercent,
    seedMatchesPerSec,
    top,
    seedTop,
  };
}

/** Part 4: redis-benchmark on core 1 against a fresh redis-server configured as above on core 0. */
async function limit(cleanup: Cleanup): Promise<BenchmarkResult[]> {
  const redis = await RedisServer.start({ cpu: serverCpu });
  cleanup.add(() => redis.stop());
  const admin = redis.client();
  cleanup.add(() => admin.disconnect());
  await admin.config('SET', 'appendfsync', 'everysec');
  const common = { cpu: loadCpu, clients: 50 };
  const results = [
    ...(await redisBenchmark(admin, redis.port, { ...common, tests: ['set', 'get', 'hset'], pipeline: 1, requests: 200_000 })),
    ...(await redisBenchmark(admin, redis.port, { ...common, command: ['EVAL', "return redis.call('SET',KEYS[1],ARGV[1])", '1', 'k', 'v'], pipeline: 1, requests: 100_000 })),
    ...(await redisBenchmark(admin, redis.port, { ...common, tests: ['set', 'get'], pipeline: 16, requests: 1_000_000 })),
  ];
  for (const r of results) {
    console.log(`  ${`${r.test} -P ${r.pipeline}`.padEnd(12)} ${r.requestsPerSec.toFixed(0).padStart(8)} /s  p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  Redis CPU ${r.redisCpuPercent.toFixed(0)} %`);
  }
  return results;
}

await pinSelf(loadCpu);
console.log(`npm run bench:redis -- ${process.argv.slice(2).join(' ')}`);
console.log(describeMachine());
console.log(`Redis (AOF everysec) + Matcher (+ room server) on core ${serverCpu}; load generator and redis-benchmark on core ${loadCpu}; ${options.runs} run(s)\n`);

const runs: RunResult[] = [];
for (let run = 1; run <= options.runs; run++) {
  console.log(`run ${run}`);
  const cleanup = new Cleanup();
  try {
    console.log(` 1. commands per match (${options.matches} matches)`);
    const match = await matchCost(run, cleanup);
    await cleanup.run();
    console.log(` 2-3. commands per tick per room (${options.rooms} rooms), the seed load`);
    const tick = await tickCost(run, cleanup);
    await cleanup.run();
    console.log(' 4. the limit: redis-benchmark, 50 connections');
    const limits = await limit(cleanup);
    runs.push({ match, tick, limit: limits });
  } finally {
    await cleanup.run();
    cleanup.dispose();
  }
}

const med = (pick: (r: RunResult) => number): number => median(runs.map(pick));
const bench = (test: string, pipeline: number) => (r: RunResult): number => r.limit.find((l) => l.test === test && l.pipeline === pipeline)?.requestsPerSec ?? Number.NaN;
const setP1 = med(bench('SET', 1));
const seedPerSec = med((r) => r.tick.seedCommandsPerSec);
const seedCpu = med((r) => r.tick.seedCpuPercent);
console.log(`\nmedian of ${runs.length} run(s)`);
console.log(`  Redis commands per match: ${med((r) => r.match.perMatch).toFixed(1)} (2 Enqueue + passes + claim; Redis CPU ${med((r) => r.match.perMatchCpuUs).toFixed(0)} µs); whole flow with 2 logins and 2 GetAssignment: ${med((r) => r.match.wholeFlowPerMatch).toFixed(1)}`);
console.log(`    per login ${med((r) => r.match.perLogin).toFixed(2)}, per GetAssignment ${med((r) => r.match.perGetAssignment).toFixed(2)}; idle Matcher ${med((r) => r.match.idlePerSec).toFixed(1)} commands/s`);
console.log(`    top (run 1): ${runs[0]?.match.top ?? ''}`);
console.log(`  Redis commands per tick per room: ${med((r) => r.tick.perTickPerRoom).toFixed(3)} (Redis CPU ${med((r) => r.tick.cpuUsPerTickPerRoom).toFixed(2)} µs); ${options.rooms} rooms alone: ${med((r) => r.tick.roomsCommandsPerSec).toFixed(0)} commands/s, Redis CPU ${med((r) => r.tick.roomsCpuPercent).toFixed(1)} %`);
console.log(`    top (run 1): ${runs[0]?.tick.top ?? ''}`);
console.log(`  seed load (${options.rooms} rooms + ${options.seedEnqueueRate} Enqueue/s): ${seedPerSec.toFixed(0)} commands/s, Redis CPU ${seedCpu.toFixed(1)} % of a core`);
for (const [test, pipeline] of [['SET', 1], ['GET', 1], ['HSET', 1], ['EVAL', 1], ['SET', 16], ['GET', 16]] as const) {
  console.log(`  limit: ${`${test} -P ${pipeline}`.padEnd(10)} ${med(bench(test, pipeline)).toFixed(0).padStart(8)} /s`);
}
console.log(`  → the seed load's ${seedPerSec.toFixed(0)} commands/s are ${((100 * seedPerSec) / setP1).toFixed(2)} % of this Redis' SET -P 1 rate; its CPU ${seedCpu.toFixed(1)} % of a core`);

const figures: Figure[] = [
  {
    figure: 'Redis commands per match (2 Enqueue + matching passes + claim; incl. commands inside scripts)',
    unit: 'commands',
    value: med((r) => r.match.perMatch),
    runs: runs.map((r) => r.match.perMatch),
    note: `Redis CPU ${fmt(med((r) => r.match.perMatchCpuUs))} µs per match; whole flow with 2 logins + 2 GetAssignment ${fmt(med((r) => r.match.wholeFlowPerMatch))}; Enqueue at ${options.enqueueRate}/s`,
  },
  {
    figure: 'Redis commands per tick per room (room server + Matcher, all commands)',
    unit: 'commands',
    value: med((r) => r.tick.perTickPerRoom),
    runs: runs.map((r) => r.tick.perTickPerRoom),
    note: `Redis CPU ${fmt(med((r) => r.tick.cpuUsPerTickPerRoom))} µs per tick per room; ${options.rooms} rooms`,
  },
  {
    figure: `Redis CPU at the seed load (${options.rooms} rooms / ${options.rooms * 2} players + ${options.seedEnqueueRate} Enqueue/s)`,
    unit: '% of a core',
    value: seedCpu,
    runs: runs.map((r) => r.tick.seedCpuPercent),
    baseline: `redis-benchmark SET -P 1: ${fmt(setP1)} /s (-P 16: ${fmt(med(bench('SET', 16)))} /s)`,
    ratio: `${fmt(seedPerSec)} commands/s = ${((100 * seedPerSec) / setP1).toFixed(1)} % of SET -P 1`,
  },
];
writeSummary(options.json, 'bench:redis', figures);
