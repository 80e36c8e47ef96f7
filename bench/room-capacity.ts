/**
 * Rooms per room-server process at 60 ticks/s, two players per room sending an InputBatch every tick.
 * Redis, a Matcher and ONE room server run on core 0; this process (the load generator: one UDP socket
 * per player, one paced 60 Hz loop for all) on core 1. Players are matched through the real Matcher
 * (AuthenticateDevice, Enqueue with one MMR, GetAssignment) and connect with its tokens. The number
 * of rooms steps up (the players of a level keep playing into the next); each level is measured for
 * `--seconds`: the server's tick rate and p99 tick duration (its `room server stats` lines, whose
 * windows lie inside the measurement), snapshots per player per second as the players received
 * them, and CPU. Baseline in the same run, before any room exists: a bare UDP server (bench/udp-echo.ts)
 * that answers every datagram with a snapshot-sized packet, driven by the same generator with the
 * same players per level. "server drops" are datagrams the kernel dropped at the server's socket
 * because its receive buffer was full (/proc/net/udp).
 *
 *   npm run bench:rooms -- --levels 100,200,300,500 --seconds 10 --runs 3
 *   npm run bench:rooms -- --runs 1 --levels 300 --cpu-prof /tmp/room-prof   # profile the room server
 *   npm run bench:rooms -- --room-recv-buffer 4194304   # what-if: a larger socket receive buffer (see support/recv-buffer.mjs)
 *
 * A level is sustained when every 5-s tick-rate window is ≥ 59.5/s AND every player is served: all
 * connects succeeded, no player went silent on the server (a player it does not hear from for 1 s is
 * held as reconnecting and forfeits after 10 s), every room is still active, and the slowest 1 % of
 * players still got ≥ 95 % of the snapshots. Stepping stops at the first level that is not.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { median, pinSelf } from './support/load.js';
import { measureWindow, sleep, type Window } from './support/measure.js';
import { Cleanup, inBatches, machine, RoomStack, statsLines } from './support/room-stack.js';
import { writeSummary } from './support/summary.js';
import { UdpSwarm } from './support/udp-swarm.js';
import { ServiceProcess } from '../test/support/service-process.js';

const options = new Command('bench:rooms')
  .option('--levels <list>', 'rooms at each step, comma-separated', '100,200,300,400,500,600,700')
  .option('--seconds <n>', 'measurement per level', Number, 10)
  .option('--settle-seconds <n>', 'wait after a level is connected before measuring', Number, 3)
  .option('--runs <n>', 'runs (medians are reported)', Number, 3)
  .option('--max-minutes <n>', 'time cap of one run; levels not started by then are skipped', Number, 8)
  .option('--no-echo', 'skip the echo baseline')
  .option('--cpu-prof <dir>', 'run the room server with --cpu-prof, profiles written to this folder')
  .option('--room-log <file>', 'write the room server\'s output (JSON log lines) to this file at the end of each run')
  .option('--phase-locked', 'each player keeps a fixed send phase in the tick (default: a random one every tick)')
  .option('--room-recv-buffer <bytes>', 'what-if: the room server\'s UDP receive buffer (default: the kernel default)', Number)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{
    levels: string;
    seconds: number;
    settleSeconds: number;
    runs: number;
    maxMinutes: number;
    echo: boolean;
    cpuProf?: string;
    roomLog?: string;
    phaseLocked?: boolean;
    roomRecvBuffer?: number;
    json?: string;
  }>();

const serverCpu = 0;
const loadCpu = 1;
const sustainedTickRate = 59.5;
const sustainedSnapshotShare = 0.95;
const levels = options.levels.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
const roomEnv = { LOG_LEVEL: 'info', ROOM_SCORE_LIMIT: '1000', ROOM_STATS_LOG_INTERVAL_MS: '1000' };

interface RoomLevel {
  rooms: number;
  window: Window;
  activeRooms: number;
  tickRateMin: number;
  tickP99Median: number;
  tickP99Max: number;
  ticksDropped: number;
  connectFailures: number;
  /** Players the server stopped hearing from (1 s without a datagram) since the level began, and games that ended. */
  silenced: number;
  gamesEnded: number;
  sustained: boolean;
  /** Why the level is not sustained; empty when it is. */
  why: string;
}

interface EchoLevel {
  rooms: number;
  window: Window;
}

/** The echo baseline at every level: 2 × rooms players against the bare UDP server on core 0. */
async function echoLevels(cleanup: Cleanup): Promise<EchoLevel[]> {
  const echo = await ServiceProcess.start('bench/udp-echo.ts', [], {}, { cpu: serverCpu });
  cleanup.add(() => echo.stop());
  const results: EchoLevel[] = [];
  for (const rooms of levels) {
    const swarm = new UdpSwarm(!options.phaseLocked);
    try {
      await inBatches(rooms * 2, 100, (i) => swarm.raw(echo.address, i + 1));
      swarm.start();
      await sleep(2000);
      const window = await measureWindow(swarm, { echo: echo.child.pid }, { port: echo.port, cpu: serverCpu }, options.seconds);
      results.push({ rooms, window });
      console.log(
        `  echo  ${String(rooms * 2).padStart(5)} players: echo CPU ${pct(window.cpuPercent.echo!)} (core ${serverCpu} busy ${pct(window.serverCoreBusyPercent)}), generator CPU ${pct(window.generatorCpuPercent)}, ` +
          `in ${window.inputsPerPlayerSec.toFixed(1)}/player/s, back ${window.receivedPerPlayerSec.toFixed(1)}/player/s, server drops ${window.serverDropsPerSec.toFixed(0)}/s`,
      );
    } finally {
      swarm.stop();
      swarm.closeAll(false);
    }
  }
  await echo.stop();
  return results;
}

/** Steps the rooms up on one room server until a level is not sustained or the time cap is reached. */
async function roomLevels(run: number, cleanup: Cleanup): Promise<RoomLevel[]> {
  const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : [];
  const env: Record<string, string> = { ...roomEnv };
  if (options.roomRecvBuffer) {
    nodeArgs.push(`--import=${new URL('./support/recv-buffer.mjs', import.meta.url).pathname}`);
    env.BENCH_UDP_RECV_BUFFER_BYTES = String(options.roomRecvBuffer);
  }
  const stack = await RoomStack.start({ cpu: serverCpu, maxRooms: Math.max(2000, levels.at(-1)!), roomEnv: env, nodeArgs });
  cleanup.add(() => stack.stop());
  if (options.roomLog) cleanup.add(() => writeFileSync(`${options.roomLog}.run${run}`, stack.room.output.join('\n')));
  const swarm = new UdpSwarm(!options.phaseLocked);
  cleanup.add(() => {
    swarm.stop();
    swarm.closeAll(true);
  });
  swarm.start();
  const deadline = Date.now() + options.maxMinutes * 60_000;
  const results: RoomLevel[] = [];
  let rooms = 0;
  for (const target of levels) {
    if (Date.now() > deadline) {
      console.log(`  time cap of ${options.maxMinutes} min reached: levels from ${target} rooms skipped`);
      break;
    }
    const levelStart = stack.room.output.length;
    const assignments = await stack.matchPlayers((target - rooms) * 2, `run${run}-level${target}`);
    const outcomes = await inBatches(assignments.length, 100, (i) => swarm.connect(assignments[i]!.roomAddr, assignments[i]!.connectToken));
    const connectFailures = outcomes.filter((o) => typeof o.outcome === 'string').length;
    rooms = target;
    await sleep(options.settleSeconds * 1000);
    const room = stack.room;
    const pids = { room: room.child.pid, redis: stack.redis.pid, matcher: stack.matcher.child.pid };
    const window = await measureWindow(swarm, pids, { port: room.port, cpu: serverCpu }, options.seconds);
    // Each stats line looks back 5 s: take the ones whose look-back lies (within a second) inside the window.
    const lookBackMs = Math.min(5000, window.seconds * 1000);
    const lines = statsLines(room).filter((l) => l.timeMs >= window.startedAtMs + lookBackMs - 1000 && l.timeMs <= window.endedAtMs + 1000);
    if (lines.length === 0) console.log(`  (no stats lines in the window; newest: ${room.output.filter((l) => l.includes('room server stats')).at(-1) ?? 'none'})`);
    const before = statsLines(room).filter((l) => l.timeMs <= window.startedAtMs).at(-1);
    const p99s = lines.map((l) => l.tick_duration_p99_ms);
    const logged = (msg: string): number => room.output.slice(levelStart).filter((line) => line.includes(`"msg":"${msg}"`)).length;
    const lowest = (values: number[]): number => (values.length > 0 ? Math.min(...values) : Number.NaN);
    const tickRateMin = lowest(lines.map((l) => l.tick_rate));
    const level: RoomLevel = {
      rooms: target,
      window,
      activeRooms: lowest(lines.map((l) => l.active_rooms)),
      tickRateMin,
      tickP99Median: median(p99s),
      tickP99Max: p99s.length > 0 ? Math.max(...p99s) : Number.NaN,
      ticksDropped: (lines.at(-1)?.ticks_dropped_total ?? 0) - (before?.ticks_dropped_total ?? 0),
      connectFailures,
      silenced: logged('player went silent'),
      gamesEnded: logged('game ended'),
      sustained: false,
      why: '',
    };
    level.why = shortfall(level);
    level.sustained = level.why === '';
    results.push(level);
    printRoomLevel(level);
    if (!level.sustained) break;
  }
  return results;
}

function shortfall(l: RoomLevel): string {
  const reasons: string[] = [];
  if (!(l.tickRateMin >= sustainedTickRate)) reasons.push(`tick rate ${l.tickRateMin.toFixed(2)}/s`);
  if (!(l.activeRooms >= l.rooms)) reasons.push(`${l.rooms - l.activeRooms} rooms no longer active`);
  if (l.connectFailures > 0) reasons.push(`${l.connectFailures} connects failed`);
  if (l.silenced > 0) reasons.push(`${l.silenced} players went silent (no input reached the server for 1 s)`);
  const minSnapshots = sustainedSnapshotShare * 60;
  if (!(l.window.receivedP1PlayerSec >= minSnapshots)) reasons.push(`slowest 1 % of players got ${l.window.receivedP1PlayerSec.toFixed(1)} snapshots/s`);
  return reasons.join(', ');
}

function pct(value: number): string {
  return `${value.toFixed(0)} %`;
}

function printRoomLevel(l: RoomLevel): void {
  const w = l.window;
  console.log(
    `  rooms ${String(l.rooms).padStart(5)} (active ${l.activeRooms}, ${w.players} players${l.connectFailures ? `, ${l.connectFailures} connects failed` : ''}): ` +
      `tick ${l.tickRateMin.toFixed(2)}/s (worst 5-s window), p99 ${l.tickP99Median.toFixed(2)} ms (worst ${l.tickP99Max.toFixed(2)}), ticks dropped ${l.ticksDropped}; ` +
      `${l.silenced} players went silent, ${l.gamesEnded} games ended; ` +
      `snapshots ${w.receivedPerPlayerSec.toFixed(1)}/player/s (slowest 1 % ${w.receivedP1PlayerSec.toFixed(1)}), inputs ${w.inputsPerPlayerSec.toFixed(1)}/player/s (${w.skippedSends} skipped); ` +
      `CPU room ${pct(w.cpuPercent.room!)} + Redis ${pct(w.cpuPercent.redis!)} + Matcher ${pct(w.cpuPercent.matcher!)} (core ${serverCpu} busy ${pct(w.serverCoreBusyPercent)}), generator ${pct(w.generatorCpuPercent)}; ` +
      `server drops ${w.serverDropsPerSec.toFixed(0)}/s${l.sustained ? '' : `  ← NOT sustained: ${l.why}`}`,
  );
}

await pinSelf(loadCpu);
console.log(`npm run bench:rooms -- ${process.argv.slice(2).join(' ')}`);
console.log(`${machine()}; Redis + Matcher + room server (or echo server) on core ${serverCpu}, load generator on core ${loadCpu}`);
if (options.phaseLocked) console.log('players keep a fixed send phase within the tick (phase-locked to the server at exactly 60 Hz)');
if (options.roomRecvBuffer) console.log(`WHAT-IF: room server UDP receive buffer set to ${options.roomRecvBuffer} bytes (not the shipped configuration)`);
console.log(`levels ${levels.join(', ')} rooms (2 players each, an InputBatch every tick); ${options.seconds} s per level after ${options.settleSeconds} s settling; ${options.runs} run(s)\n`);

const runs: { echo: EchoLevel[]; rooms: RoomLevel[] }[] = [];
for (let run = 1; run <= options.runs; run++) {
  console.log(`run ${run}`);
  const cleanup = new Cleanup();
  try {
    const echo = options.echo ? await echoLevels(cleanup) : [];
    const rooms = await roomLevels(run, cleanup);
    runs.push({ echo, rooms });
  } finally {
    await cleanup.run();
    cleanup.dispose();
  }
}

console.log(`\nmedian of ${runs.length} run(s), per level (runs that reached it)`);
console.log(
  '  rooms  players  tick/s  tick p99 ms  snap/pl/s  slowest 1%  inputs/pl/s  room CPU  Redis  Matcher  core 0  generator  echo CPU  room/echo  server drops/s',
);
for (const rooms of levels) {
  const at = runs.flatMap((r) => r.rooms.filter((l) => l.rooms === rooms));
  if (at.length === 0) continue;
  const echoAt = runs.flatMap((r) => r.echo.filter((e) => e.rooms === rooms));
  const med = (pick: (l: RoomLevel) => number) => median(at.map(pick));
  const roomCpu = med((l) => l.window.cpuPercent.room!);
  const echoCpu = echoAt.length > 0 ? median(echoAt.map((e) => e.window.cpuPercent.echo!)) : Number.NaN;
  console.log(
    `  ${String(rooms).padStart(5)}  ${String(rooms * 2).padStart(7)}  ${med((l) => l.tickRateMin).toFixed(2).padStart(6)}  ${med((l) => l.tickP99Median).toFixed(2).padStart(11)}` +
      `  ${med((l) => l.window.receivedPerPlayerSec).toFixed(1).padStart(9)}  ${med((l) => l.window.receivedP1PlayerSec).toFixed(1).padStart(10)}  ${med((l) => l.window.inputsPerPlayerSec).toFixed(1).padStart(11)}` +
      `  ${pct(roomCpu).padStart(8)}  ${pct(med((l) => l.window.cpuPercent.redis!)).padStart(5)}  ${pct(med((l) => l.window.cpuPercent.matcher!)).padStart(7)}  ${pct(med((l) => l.window.serverCoreBusyPercent)).padStart(6)}` +
      `  ${pct(med((l) => l.window.generatorCpuPercent)).padStart(9)}  ${pct(echoCpu).padStart(8)}  ${(roomCpu / echoCpu).toFixed(2).padStart(8)}×` +
      `  ${med((l) => l.window.serverDropsPerSec).toFixed(0).padStart(14)}   (${at.filter((l) => l.sustained).length}/${at.length} sustained)`,
  );
}
const largest = runs.map((r) => r.rooms.filter((l) => l.sustained).at(-1));
const largestRooms = largest.map((l) => l?.rooms ?? 0);
console.log(
  `\nlargest level sustained (every 5-s window ≥ ${sustainedTickRate} ticks/s, every player served), per run: ${largestRooms.join(', ')} rooms → median ${median(largestRooms)} rooms (${median(largestRooms) * 2} players)`,
);
const medianLevel = median(largestRooms);
const atMedian = runs.flatMap((r) => r.rooms.filter((l) => l.rooms === medianLevel && l.sustained));
if (atMedian.length > 0) {
  console.log(
    `  at ${medianLevel} rooms (${atMedian.length} run(s) sustained it): tick p99 ${median(atMedian.map((l) => l.tickP99Median)).toFixed(2)} ms, ` +
      `room server CPU ${pct(median(atMedian.map((l) => l.window.cpuPercent.room!)))}, core ${serverCpu} busy ${pct(median(atMedian.map((l) => l.window.serverCoreBusyPercent)))}, ` +
      `snapshots ${median(atMedian.map((l) => l.window.receivedPerPlayerSec)).toFixed(1)}/player/s`,
  );
}
const echo1000 = runs.flatMap((r) => r.echo.filter((e) => e.rooms === 500));
if (echo1000.length > 0) {
  console.log(`  echo baseline at 1,000 players × 60 inputs/s: ${pct(median(echo1000.map((e) => e.window.cpuPercent.echo!)))} of a core`);
}

const echoAtMedian = runs.flatMap((r) => r.echo.filter((e) => e.rooms === medianLevel));
const roomCpuAtMedian = atMedian.length > 0 ? median(atMedian.map((l) => l.window.cpuPercent.room!)) : Number.NaN;
const echoCpuAtMedian = echoAtMedian.length > 0 ? median(echoAtMedian.map((e) => e.window.cpuPercent.echo!)) : Number.NaN;
writeSummary(options.json, 'bench:rooms', [
  {
    figure: `rooms sustained in one process (every 5-s window ≥ ${sustainedTickRate} ticks/s, every player served; levels ${levels.join(',')})`,
    unit: 'rooms',
    value: medianLevel,
    runs: largestRooms,
    target: { atLeast: 500 },
    baseline: Number.isFinite(echoCpuAtMedian) ? `bare UDP echo at ${medianLevel * 2} players: ${pct(echoCpuAtMedian)} CPU` : undefined,
    ratio: Number.isFinite(echoCpuAtMedian) ? `room server CPU ${pct(roomCpuAtMedian)} = ${(roomCpuAtMedian / echoCpuAtMedian).toFixed(2)}× echo` : undefined,
    note: atMedian.length > 0 ? `tick p99 ${median(atMedian.map((l) => l.tickP99Median)).toFixed(1)} ms at ${medianLevel} rooms` : undefined,
  },
]);
