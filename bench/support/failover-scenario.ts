import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Keys } from '../../src/shared/redis/keys.js';
import { defaultRegion } from '../../src/shared/region.js';
import { deviceIdOf } from '../../test/support/device-id.js';
import { TrackedPlayer, strandedReason } from './failover-players.js';
import { FleetStack, logLines, resume, running } from './fleet-stack.js';
import { percentile } from './load.js';
import { coreTimes, sleep } from './measure.js';
import { clockDelta, commandRates, moveCost, redisClockSnapshot, type MoveCost } from './move-cost.js';
import { Cleanup, inBatches } from './room-stack.js';

/** The faults: SIGKILL, SIGSTOP (SIGCONT once its games are back elsewhere), SIGTERM (drain, hand-over). */
export type Fault = 'kill' | 'stop' | 'drain';

export const signalOf: Record<Fault, string> = { kill: 'SIGKILL', stop: 'SIGSTOP', drain: 'SIGTERM' };

export interface ScenarioSettings {
  cpu: number;
  games: number;
  roomServers: number;
  maxRooms: number;
  matcherEnv: Record<string, string>;
  roomEnv: Record<string, string>;
  connectIntervalMs: number;
  /** Each of the two halves of the no-fault Redis window before the fault. */
  preSeconds: number;
  settleMs: number;
  /** A game of the faulted server not back this long after the fault is lost. */
  giveUpMs: number;
  /** Where to write every service's output after each run (for a look at what happened), if anywhere. */
  logDir?: string;
}

/** What one fault on a fresh fleet came to. */
export interface ScenarioResult {
  fault: Fault;
  gamesPerServer: number[];
  faultedGames: number;
  /** Faulted games not continued on another server (both players back, same room, resumed, from its checkpoint). */
  gamesLost: number;
  lostReasons: string[];
  stranded: number;
  strandedReasons: string[];
  /** Per faulted game that came back: from the signal to the second player's first snapshot on the new server. */
  backMs: number[];
  /** Per faulted game back: first tick on the new server less the last tick seen before the fault (the smaller of its two players). */
  tickGap: number[];
  /** Why each player of the faulted games reconnected (the room said it moved, or it went quiet). */
  backReasons: string[];
  freshMs: number[];
  freshFailed: number;
  roomsMoved: number;
  roomsEnded: number;
  /** From the signal to the Matcher's move (its log line), and why it moved them. */
  moveAfterMs: number[];
  moveCauses: string[];
  revoked: number;
  restoreMs: number[];
  roomsCreatedFresh: number;
  otherGamesDisturbed: number;
  endedEvents: number;
  clientErrors: number;
  drainExit?: { code: number | null; ms: number };
  cost: MoveCost;
  /** With every game playing, before the fault: this process's CPU and the server core's busy share, in %. */
  load: { generatorCpuPercent: number; serverCoreBusyPercent: number };
  /** The background model tried on a window without a fault: commands measured and predicted. */
  modelCheck: { seconds: number; measured: number; predicted: number };
}

/**
 * One run of one fault on fresh processes: `games` games on the room servers, every player connected
 * (the baseline: GameClient.connect → first snapshot), the Redis background measured (no room, then
 * every room playing), the fault on the server with the most games, and the wait until every game of
 * it is back on another server (or giveUpMs). Then `settleMs` (SIGSTOP: after SIGCONT), the Redis
 * window closes, and every player is checked for being stranded.
 */
export async function runScenario(fault: Fault, run: number, s: ScenarioSettings): Promise<ScenarioResult> {
  const cleanup = new Cleanup();
  let started: FleetStack | undefined;
  try {
    const stack = await FleetStack.start({ cpu: s.cpu, roomServers: s.roomServers, maxRooms: s.maxRooms, matcherEnv: s.matcherEnv, roomEnv: s.roomEnv }, cleanup);
    started = stack;
    await sleep(500); // registration traffic out of the idle window
    const idle0 = await redisClockSnapshot(stack.admin);
    await sleep(1500);
    const idle1 = await redisClockSnapshot(stack.admin);

    const players = Array.from({ length: s.games * 2 }, () => new TrackedPlayer(stack.matcher.address));
    cleanup.add(() => players.forEach((p) => p.close()));
    await inBatches(players.length, 50, (i) => players[i]!.mm.login(deviceIdOf(`failover-${fault}-run${run}-${i}`)));
    await Promise.all(players.map(async (p) => void (p.assignment = await p.mm.findMatch(1500))));
    const games = new Map<string, TrackedPlayer[]>();
    for (const p of players) games.set(p.roomId, [...(games.get(p.roomId) ?? []), p]);

    let freshFailed = 0;
    await Promise.all(
      players.map(async (p, i) => {
        await sleep(i * s.connectIntervalMs);
        await p.connect().catch(() => void (freshFailed += 1));
      }),
    );
    const freshMs = players.flatMap((p) => (p.connectMs === undefined ? [] : [p.connectMs]));

    const addrs = stack.rooms.map((r) => r.address);
    const gamesPerServer = addrs.map((addr) => [...games.values()].filter(([p]) => p!.assignment!.roomAddr === addr).length);
    const victim = stack.rooms[gamesPerServer.indexOf(Math.max(...gamesPerServer))]!;
    const faulted = [...games.values()].filter(([p]) => p!.assignment!.roomAddr === victim.address);
    const faultedPlayers = faulted.flat();
    const survivors = stack.rooms.filter((r) => r !== victim);

    await sleep(1000); // play on: checkpoints are current, every room is in play
    const pre0 = await redisClockSnapshot(stack.admin);
    const self0 = process.cpuUsage();
    const core0 = coreTimes(s.cpu);
    await sleep(s.preSeconds * 1000);
    const self = process.cpuUsage(self0);
    const core1 = coreTimes(s.cpu);
    const load = {
      generatorCpuPercent: (self.user + self.system) / 10_000 / s.preSeconds,
      serverCoreBusyPercent: (100 * (core1.busy - core0.busy)) / Math.max(1, core1.total - core0.total),
    };
    const preMid = await redisClockSnapshot(stack.admin);
    await sleep(s.preSeconds * 1000);
    const matcherFrom = stack.matcher.output.length;
    const survivorsFrom = survivors.map((r) => r.output.length);
    for (const p of players) p.watchFault(victim.address);
    const pre1 = await redisClockSnapshot(stack.admin);
    const faultAtMs = performance.now();
    const faultWallMs = Date.now();
    let drained: Promise<{ code: number | null; ms: number }> | undefined;
    if (fault === 'kill') void victim.kill();
    else if (fault === 'stop') victim.child.kill('SIGSTOP');
    else drained = victim.stop().then((code) => ({ code, ms: performance.now() - faultAtMs }));

    await waitUntil(() => faultedPlayers.every((p) => p.back), faultAtMs + s.giveUpMs);
    if (fault === 'stop') resume(victim);
    await sleep(s.settleMs);
    const post = await redisClockSnapshot(stack.admin);

    const keys = new Keys('');
    const isAlive = async (addr: string): Promise<boolean> => {
      const room = stack.rooms.find((r) => r.address === addr);
      return room !== undefined && running(room) && (await stack.admin.exists(keys.region(defaultRegion).roomServer(addr))) === 1;
    };
    const strandedReasons = (await inBatches(players.length, 20, (i) => strandedReason(players[i]!, isAlive))).filter((r) => r !== undefined);

    const lostReasons: string[] = [];
    const backMs: number[] = [];
    const tickGap: number[] = [];
    let roomSeconds = (s.games - faulted.length) * ((post.atMs - pre1.atMs) / 1000);
    for (const game of faulted) {
      const reason = notContinued(game, victim.address);
      if (reason) {
        lostReasons.push(reason);
        continue;
      }
      const backs = game.map((p) => p.back!);
      backMs.push(Math.max(...backs.map((b) => b.atMs)) - faultAtMs);
      tickGap.push(Math.min(...game.map((p) => p.back!.tick! - p.tickAtFault)));
      // Snapshots carry Redis' wall clock; the players' times are this process's monotonic one.
      roomSeconds += Math.max(0, post.atMs - (performance.timeOrigin + Math.min(...backs.map((b) => b.atMs)))) / 1000;
    }

    const moves = [
      ...logLines<MoveLine>(stack.matcher, 'room server lost: rooms moved', matcherFrom),
      ...logLines<MoveLine>(stack.matcher, 'room server lost: rooms moved, some wait for capacity', matcherFrom),
    ].filter((m) => m.addr === victim.address);
    const roomsMoved = moves.reduce((sum, m) => sum + m.rooms_moved, 0);
    const restores = survivors.flatMap((r, i) => logLines<{ restore_duration_ms: number }>(r, 'room restored from checkpoint', survivorsFrom[i]));
    const idle = commandRates(idle0, idle1);
    // The model's own error: the second half of the no-fault window predicted from the first.
    const check = clockDelta(preMid, pre1);
    const predicted = moveCost({ idle, busy: commandRates(pre0, preMid), busyRooms: s.games, window: check, roomSeconds: s.games * check.seconds, moved: 0 });
    const cost = moveCost({
      idle,
      busy: commandRates(pre0, pre1),
      busyRooms: s.games,
      window: clockDelta(pre1, post),
      roomSeconds,
      moved: roomsMoved,
    });
    return {
      fault,
      gamesPerServer,
      faultedGames: faulted.length,
      gamesLost: lostReasons.length,
      lostReasons,
      stranded: strandedReasons.length,
      strandedReasons,
      backMs,
      tickGap,
      backReasons: faultedPlayers.flatMap((p) => (p.back ? [p.back.reason] : [])),
      freshMs,
      freshFailed,
      roomsMoved,
      roomsEnded: moves.reduce((sum, m) => sum + m.rooms_ended, 0),
      moveAfterMs: moves.map((m) => m.timeMs - faultWallMs),
      moveCauses: moves.map((m) => m.cause),
      revoked: logLines(stack.matcher, 'room server reported unreachable by its players and late: lease revoked', matcherFrom).length,
      restoreMs: restores.map((r) => r.restore_duration_ms),
      roomsCreatedFresh: survivors.reduce((sum, r, i) => sum + logLines(r, 'room created', survivorsFrom[i]).length, 0),
      otherGamesDisturbed: [...games.values()].filter((g) => !faulted.includes(g) && g.some((p) => p.reconnectsSinceFault > 0)).length,
      endedEvents: players.reduce((sum, p) => sum + p.ended.length, 0),
      clientErrors: players.reduce((sum, p) => sum + p.errors.length, 0),
      drainExit: drained ? await drained : undefined,
      cost,
      load,
      modelCheck: { seconds: check.seconds, measured: check.totalCalls, predicted: predicted.background },
    };
  } finally {
    await cleanup.run();
    if (s.logDir && started) saveLogs(s.logDir, `${fault}-run${run}`, started);
    cleanup.dispose();
  }
}

interface MoveLine {
  addr: string;
  cause: string;
  rooms_moved: number;
  rooms_ended: number;
}

/** Why a faulted game did not continue on another server, or undefined when it did. */
function notContinued(game: TrackedPlayer[], faultedAddr: string): string | undefined {
  if (game.length !== 2) return `${game.length} player(s) in the room`;
  if (game.some((p) => !p.back)) return 'not back in time';
  const [a, b] = game.map((p) => p.back!) as [NonNullable<TrackedPlayer['back']>, NonNullable<TrackedPlayer['back']>];
  if (a.roomId !== game[0]!.roomId || b.roomId !== game[1]!.roomId) return 'back in another room';
  if (a.addr !== b.addr || a.addr === faultedAddr) return 'players on different servers';
  if (!a.resumed || !b.resumed) return 'not resumed (a fresh seat)';
  // A fresh room would start at tick 0; a restored one continues from its checkpoint (every 5 ticks).
  if (game.some((p) => p.back!.tick === undefined || p.back!.tick + restoredTickSlack < p.tickAtFault)) return 'not restored from its checkpoint';
  return undefined;
}

/** How far behind the last tick seen a restored room may resume: the checkpoint interval and its write, generously. */
const restoredTickSlack = 60;

function saveLogs(dir: string, name: string, stack: FleetStack): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}-matcher.log`), `${stack.matcher.output.join('\n')}\n`);
  stack.rooms.forEach((room, i) => writeFileSync(join(dir, `${name}-room${i}-${room.port}.log`), `${room.output.join('\n')}\n`));
}

async function waitUntil(check: () => boolean, deadlineMs: number): Promise<void> {
  while (!check() && performance.now() < deadlineMs) await sleep(20);
}

/** p50 / p99 / max of some values, as text. */
export function spread(values: number[], unit = 'ms', digits = 0): string {
  if (values.length === 0) return 'no samples';
  const f = (v: number): string => v.toFixed(digits);
  return `p50 ${f(percentile(values, 50))} ${unit}, p99 ${f(percentile(values, 99))} ${unit}, max ${f(Math.max(...values))} ${unit}`;
}

/** Occurrences of each reason, as "3× not back in time; 1× …". */
export function tally(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n}× ${r}`).join('; ');
}
