/**
 * Reconnection: forced drops and room-server crashes, with players built on the client library.
 * Redis, a Matcher and one room server run on core 0; this process (2 × `--rooms` GameClients that
 * follow the ball) on core 1. Each run, on a fresh stack:
 *
 * 1. fresh connects (baseline): each player, one every `--interval-ms`, asks the Matcher for its
 *    assignment (GetAssignment) and connects; timed from the GetAssignment to the first snapshot.
 * 2. `--drops` forced drops, one started every `--interval-ms` on a random player of a room with no
 *    drop in flight: GameClient.drop() (no Disconnect), `--down-ms` later (cycling through the list;
 *    0 = at once, before the server noticed; 1500 = after its 1 s silence timeout held the seat)
 *    reconnect(): GetAssignment → fresh token → new socket → handshake. A drop succeeds when the
 *    player is back in the same room (same room id, Welcome.resumed) within `--within-ms`; timed by
 *    the client from the decision to reconnect to the first snapshot.
 * 3. `--crashes` times: SIGKILL the room server and start it again on the same port; every player
 *    notices the silence (1 s) and reconnects by itself; the new process restores each room from its
 *    checkpoint on the first connect and logs `restore_duration_ms` (Redis read + decode + hosting).
 *
 *   npm run bench:reconnect -- --drops 200 --rooms 50 --runs 3
 */
import { Command } from 'commander';
import { chaseBall } from '../src/client/bot.js';
import { Slot } from '../src/gen/mini/matcher/v1/matcher.js';
import { GameClient } from '../src/client/game-client.js';
import type { Reconnected } from '../src/client/game-events.js';
import { MatchmakingClient } from '../src/client/matchmaking.js';
import type { ServiceProcess } from '../test/support/service-process.js';
import { eventually } from '../test/support/wait.js';
import { median, percentile, pinSelf } from './support/load.js';
import { sleep } from './support/measure.js';
import { Cleanup, inBatches, machine, RoomStack } from './support/room-stack.js';
import { writeSummary } from './support/summary.js';
import { deviceIdOf } from '../test/support/device-id.js';

const options = new Command('bench:reconnect')
  .option('--drops <n>', 'forced drops per run', Number, 200)
  .option('--rooms <n>', 'rooms playing (two players each)', Number, 50)
  .option('--down-ms <list>', 'how long a dropped link stays down before reconnect(), cycled, comma-separated', '0,1500')
  .option('--interval-ms <n>', 'a new connect / drop starts this often', Number, 100)
  .option('--within-ms <n>', 'a reconnect counts only if back within this', Number, 3000)
  .option('--crashes <n>', 'room server SIGKILL + restarts per run', Number, 3)
  .option('--runs <n>', 'runs (medians are reported)', Number, 3)
  .option('--max-seconds <n>', 'time cap of one run', Number, 240)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{ drops: number; rooms: number; downMs: string; intervalMs: number; withinMs: number; crashes: number; runs: number; maxSeconds: number; json?: string }>();

const serverCpu = 0;
const loadCpu = 1;
const downMs = options.downMs.split(',').map(Number);
const roomEnv = { LOG_LEVEL: 'info', ROOM_SCORE_LIMIT: '1000', ROOM_STATS_LOG_INTERVAL_MS: '1000' };
/** How long all players get to come back after a crash (restart ~1–2 s, silence 1 s, handshake retries). */
const crashRecoveryMs = 20_000;

/** One player: its Matcher client and game client, and whether something is being done to it. */
interface Player {
  mm: MatchmakingClient;
  game: GameClient;
  busy: boolean;
}

/** How a reconnect ended: back (with the client's timing), or not. */
type Outcome = { back: Reconnected; atMs: number } | { failed: string };

interface DropResult {
  downMs: number;
  sameGame: boolean;
  durationMs: number;
  failure?: string;
}

interface CrashResult {
  players: number;
  rooms: number;
  sameGame: number;
  /** The client's time from deciding to reconnect (after 1 s of silence) to the first snapshot. */
  reconnectMs: number[];
  /** From the SIGKILL to the player's first snapshot from the new process. */
  killToSnapshotMs: number[];
  restoreMs: number[];
  restartMs: number;
}

interface RunResult {
  freshMs: number[];
  freshFailed: number;
  drops: DropResult[];
  crashes: CrashResult[];
}

/** Resolves on the game's next `reconnected`, `ended` or `error`, or after timeoutMs. */
function nextReconnect(game: GameClient, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (outcome: Outcome): void => {
      clearTimeout(timer);
      game.off('reconnected', onBack);
      game.off('ended', onEnded);
      game.off('error', onError);
      resolve(outcome);
    };
    const onBack = (back: Reconnected): void => done({ back, atMs: performance.now() });
    const onEnded = ({ reason }: { reason: string }): void => done({ failed: `ended (${reason})` });
    const onError = (err: Error): void => done({ failed: `error (${err.message})` });
    const timer = setTimeout(() => done({ failed: `not back within ${timeoutMs} ms` }), timeoutMs);
    game.on('reconnected', onBack);
    game.on('ended', onEnded);
    game.on('error', onError);
  });
}

/** Logs the players in, matches them in pairs through the Matcher (one MMR), and returns them unconnected. */
async function matchPlayers(matcherTarget: string, run: number, cleanup: Cleanup): Promise<Player[]> {
  const players = Array.from({ length: options.rooms * 2 }, () => {
    const mm = new MatchmakingClient(matcherTarget);
    const game = new GameClient(mm);
    game.on('error', () => {}); // counted where it matters (nextReconnect); an unheard error event would throw
    game.on('snapshot', (snapshot) => game.setDirection(chaseBall(snapshot, game.welcome?.slot ?? Slot.SLOT_UNSPECIFIED, 10_000)));
    cleanup.add(() => {
      game.close();
      mm.close();
    });
    return { mm, game, busy: false };
  });
  await inBatches(players.length, 50, (i) => players[i]!.mm.login(deviceIdOf(`reconnect-run${run}-${i}`)));
  await Promise.all(players.map((p) => p.mm.findMatch(1500)));
  return players;
}

/** Phase 1: every player's first connect, one every interval; GetAssignment → first snapshot. */
async function freshConnects(players: Player[]): Promise<{ freshMs: number[]; freshFailed: number }> {
  const freshMs: number[] = [];
  let freshFailed = 0;
  const connects = players.map(async (player, i) => {
    await sleep(i * options.intervalMs);
    const startedMs = performance.now();
    try {
      const assignment = await player.mm.getAssignment();
      if (!assignment) throw new Error('no assignment');
      const first = new Promise<void>((resolve) => player.game.once('snapshot', () => resolve()));
      await player.game.connect(assignment);
      await first;
      freshMs.push(performance.now() - startedMs);
    } catch {
      freshFailed += 1;
    }
  });
  await Promise.all(connects);
  return { freshMs, freshFailed };
}

/** Phase 2: forced drops on random players of rooms with nothing in flight. */
async function forcedDrops(players: Player[], deadlineMs: number): Promise<DropResult[]> {
  const results: DropResult[] = [];
  const pending: Promise<void>[] = [];
  const byRoom = new Map<string, Player[]>();
  for (const p of players) {
    const roomId = p.game.welcome?.roomId;
    if (roomId) byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), p]);
  }
  const roomBusy = (p: Player): boolean => (byRoom.get(p.game.welcome?.roomId ?? '') ?? []).some((q) => q.busy);
  for (let i = 0; i < options.drops && Date.now() < deadlineMs; i++) {
    const candidates = players.filter((p) => p.game.welcome && !roomBusy(p));
    const player = candidates[Math.floor(Math.random() * candidates.length)];
    if (!player) {
      i -= 1;
      await sleep(options.intervalMs);
      continue;
    }
    const down = downMs[i % downMs.length]!;
    player.busy = true;
    pending.push(
      (async () => {
        const roomId = player.game.welcome!.roomId;
        player.game.drop();
        await sleep(down);
        const back = nextReconnect(player.game, options.withinMs);
        player.game.reconnect();
        const outcome = await back;
        if ('back' in outcome) {
          const { welcome, durationMs } = outcome.back;
          const sameGame = welcome.roomId === roomId && welcome.resumed;
          results.push({ downMs: down, sameGame, durationMs, failure: sameGame ? undefined : `room ${welcome.roomId}, resumed ${welcome.resumed}` });
        } else {
          results.push({ downMs: down, sameGame: false, durationMs: Number.NaN, failure: outcome.failed });
          // Leave it reconnected for the next phase if it comes back late.
          if (!player.game.welcome) player.game.reconnect();
        }
        player.busy = false;
      })(),
    );
    await sleep(options.intervalMs);
  }
  await Promise.all(pending);
  return results;
}

/** Phase 3: SIGKILL the room server, restart it on the same port, let everyone come back. */
async function crash(stack: RoomStack, players: Player[]): Promise<CrashResult> {
  const rooms = new Map(players.map((p) => [p, p.game.welcome?.roomId]));
  const connected = players.filter((p) => rooms.get(p));
  const backs = connected.map((p) => nextReconnect(p.game, crashRecoveryMs));
  const killedMs = performance.now();
  await stack.crashAndRestartRoom();
  const restartMs = performance.now() - killedMs;
  const outcomes = await Promise.all(backs);
  const result: CrashResult = { players: connected.length, rooms: 0, sameGame: 0, reconnectMs: [], killToSnapshotMs: [], restoreMs: [], restartMs };
  outcomes.forEach((outcome, i) => {
    if (!('back' in outcome)) return;
    const { welcome, durationMs } = outcome.back;
    if (welcome.roomId === rooms.get(connected[i]!) && welcome.resumed) result.sameGame += 1;
    result.reconnectMs.push(durationMs);
    result.killToSnapshotMs.push(outcome.atMs - killedMs);
  });
  // The new process logged each restore before its first snapshot went out, but its output reaches
  // this process through a pipe: wait (briefly) until every room's line has been read.
  const roomCount = new Set(connected.map((p) => rooms.get(p))).size;
  const room = stack.room;
  await eventually('every restore to be logged', () => restoreDurations(room).length >= roomCount, 3000).catch(() => undefined);
  result.restoreMs = restoreDurations(room);
  result.rooms = roomCount;
  return result;
}

/** restore_duration_ms of every `room restored from checkpoint` line the room server logged. */
function restoreDurations(room: ServiceProcess): number[] {
  return room.output
    .filter((line) => line.includes('"room restored from checkpoint"'))
    .map((line) => Number((JSON.parse(line) as { restore_duration_ms: number }).restore_duration_ms));
}

async function oneRun(run: number): Promise<RunResult> {
  const cleanup = new Cleanup();
  const deadlineMs = Date.now() + options.maxSeconds * 1000;
  try {
    const stack = await RoomStack.start({ cpu: serverCpu, maxRooms: Math.max(100, options.rooms * 2), roomEnv });
    cleanup.add(() => stack.stop());
    const players = await matchPlayers(stack.matcher.address, run, cleanup);
    const { freshMs, freshFailed } = await freshConnects(players);
    line(`fresh connect (GetAssignment → first snapshot), ${freshMs.length} players`, freshMs, `${freshFailed} failed`);
    const drops = await forcedDrops(players, deadlineMs);
    for (const down of downMs) {
      const these = drops.filter((d) => d.downMs === down);
      const back = these.filter((d) => d.sameGame);
      line(`reconnect after ${down} ms down: ${back.length}/${these.length} back in the same game`, back.map((d) => d.durationMs), failures(these));
    }
    const crashes: CrashResult[] = [];
    for (let c = 0; c < options.crashes && Date.now() < deadlineMs; c++) {
      await sleep(2000); // play on, so the checkpoints are current ones
      const result = await crash(stack, players);
      crashes.push(result);
      line(
        `crash ${c + 1} (restart ${result.restartMs.toFixed(0)} ms): ${result.sameGame}/${result.players} back in the same game; ${result.restoreMs.length}/${result.rooms} rooms restored in`,
        result.restoreMs,
        `reconnect p50 ${percentile(result.reconnectMs, 50).toFixed(0)} ms, kill → snapshot p50 ${percentile(result.killToSnapshotMs, 50).toFixed(0)} ms`,
      );
    }
    return { freshMs, freshFailed, drops, crashes };
  } finally {
    await cleanup.run();
    cleanup.dispose();
  }
}

function failures(drops: DropResult[]): string {
  const reasons = new Map<string, number>();
  for (const d of drops) if (d.failure) reasons.set(d.failure, (reasons.get(d.failure) ?? 0) + 1);
  return [...reasons].map(([reason, n]) => `${n}× ${reason}`).join('; ');
}

function line(label: string, valuesMs: number[], note = ''): void {
  const stats = valuesMs.length > 0 ? `p50 ${percentile(valuesMs, 50).toFixed(1)} ms, p99 ${percentile(valuesMs, 99).toFixed(1)} ms, max ${Math.max(...valuesMs).toFixed(1)} ms` : 'no samples';
  console.log(`  ${label}: ${stats}${note ? ` (${note})` : ''}`);
}

await pinSelf(loadCpu);
console.log(`npm run bench:reconnect -- ${process.argv.slice(2).join(' ')}`);
console.log(`${machine()}; Redis + Matcher + room server on core ${serverCpu}, ${options.rooms * 2} GameClients (this process) on core ${loadCpu}`);
console.log(
  `${options.drops} drops per run (down ${downMs.join(' / ')} ms, cycled), one every ${options.intervalMs} ms; back within ${options.withinMs} ms counts; ${options.crashes} crash-restarts; ${options.runs} run(s)\n`,
);

const runs: RunResult[] = [];
for (let run = 1; run <= options.runs; run++) {
  console.log(`run ${run}`);
  runs.push(await oneRun(run));
}

const med = (pick: (r: RunResult) => number): number => median(runs.map(pick));
const p = (values: number[], q: number): number => percentile(values, q);
console.log(`\nmedian of ${runs.length} run(s)`);
console.log('  what                                        share back        p50 ms    p99 ms');
const row = (label: string, share: string, p50: number, p99: number): void =>
  console.log(`  ${label.padEnd(42)}  ${share.padStart(10)}  ${p50.toFixed(1).padStart(8)}  ${p99.toFixed(1).padStart(8)}`);
row('fresh connect → first snapshot (baseline)', `${med((r) => (100 * r.freshMs.length) / (r.freshMs.length + r.freshFailed)).toFixed(1)} %`, med((r) => p(r.freshMs, 50)), med((r) => p(r.freshMs, 99)));
const dropShare = (r: RunResult, ds: DropResult[]): number => (ds.length > 0 ? (100 * ds.filter((d) => d.sameGame && d.durationMs <= options.withinMs).length) / ds.length : Number.NaN);
const dropMs = (ds: DropResult[]): number[] => ds.filter((d) => d.sameGame).map((d) => d.durationMs);
row(`reconnect → first snapshot, all drops`, `${med((r) => dropShare(r, r.drops)).toFixed(1)} %`, med((r) => p(dropMs(r.drops), 50)), med((r) => p(dropMs(r.drops), 99)));
for (const down of downMs) {
  const of = (r: RunResult): DropResult[] => r.drops.filter((d) => d.downMs === down);
  row(`  … after ${down} ms down`, `${med((r) => dropShare(r, of(r))).toFixed(1)} %`, med((r) => p(dropMs(of(r)), 50)), med((r) => p(dropMs(of(r)), 99)));
}
const crashed = (r: RunResult) => ({
  restore: r.crashes.flatMap((c) => c.restoreMs),
  reconnect: r.crashes.flatMap((c) => c.reconnectMs),
  killToSnapshot: r.crashes.flatMap((c) => c.killToSnapshotMs),
  share: (100 * r.crashes.reduce((a, c) => a + c.sameGame, 0)) / Math.max(1, r.crashes.reduce((a, c) => a + c.players, 0)),
});
row('checkpoint restore (restore_duration_ms)', `${med((r) => crashed(r).restore.length)} rooms`, med((r) => p(crashed(r).restore, 50)), med((r) => p(crashed(r).restore, 99)));
row('after a crash: reconnect → first snapshot', `${med((r) => crashed(r).share).toFixed(1)} %`, med((r) => p(crashed(r).reconnect, 50)), med((r) => p(crashed(r).reconnect, 99)));
row('after a crash: SIGKILL → first snapshot', '', med((r) => p(crashed(r).killToSnapshot, 50)), med((r) => p(crashed(r).killToSnapshot, 99)));
console.log(`  drops per run: ${runs.map((r) => r.drops.length).join(', ')}; restarts per run: ${runs.map((r) => r.crashes.length).join(', ')}`);

const allDrops = runs.flatMap((r) => r.drops);
const backInTime = allDrops.filter((d) => d.sameGame && d.durationMs <= options.withinMs).length;
const freshP99 = med((r) => p(r.freshMs, 99));
const reconnectP99 = med((r) => p(dropMs(r.drops), 99));
writeSummary(options.json, 'bench:reconnect', [
  {
    figure: `forced drops back in the same game within ${options.withinMs} ms (all runs pooled)`,
    unit: '%',
    value: (100 * backInTime) / Math.max(1, allDrops.length),
    runs: runs.map((r) => dropShare(r, r.drops)),
    target: { atLeast: 100 },
    baseline: `fresh connect p99 ${freshP99.toFixed(1)} ms`,
    ratio: `reconnect p99 ${reconnectP99.toFixed(1)} ms = ${(reconnectP99 / freshP99).toFixed(2)}× fresh connect`,
    note: `${backInTime} of ${allDrops.length} drops; after a crash ${med((r) => crashed(r).share).toFixed(1)} % back`,
  },
  {
    figure: 'forced drops measured (all runs)',
    unit: 'drops',
    value: allDrops.length,
    target: { atLeast: 1000 },
  },
  {
    figure: 'checkpoint restore p99 (restore_duration_ms, median of the runs)',
    unit: 'ms',
    value: med((r) => p(crashed(r).restore, 99)),
    runs: runs.map((r) => p(crashed(r).restore, 99)),
    target: { atMost: 50 },
    note: `${runs.reduce((a, r) => a + crashed(r).restore.length, 0)} restored rooms; p50 ${med((r) => p(crashed(r).restore, 50)).toFixed(1)} ms`,
  },
]);
