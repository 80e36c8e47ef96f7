/**
 * Room failover: a room server lost (SIGKILL), hung (SIGSTOP, then SIGCONT once its games are back
 * elsewhere) or drained (SIGTERM: final checkpoints, Deregister{hand_over}, ROOM_MOVED), with 100
 * games of client-library players on 3 room servers. Redis, the Matcher and the room servers run
 * on core 0; this process (2 × `--games` GameClients that follow the ball) on core 1. Every run of
 * every fault starts fresh processes (see bench/support/failover-scenario.ts) and reports:
 *
 * - games lost: games of the faulted server that did not continue on another one (both players back
 *   in the same room, resumed, from its checkpoint);
 * - players stranded once the fault settled (any of the 2 × games): no assignment, an assignment to a
 *   dead address, or not connected and getting snapshots where the Matcher says its game is;
 * - time from the signal to both players of a game back (the second one's first snapshot on the new
 *   server), over the faulted server's games; baseline: GameClient.connect → first snapshot;
 * - Redis commands per room moved (INFO commandstats over the move window, less the background of
 *   the rooms that kept running; see bench/support/move-cost.ts).
 *
 *   npm run bench:failover                      # 3 runs of each fault (~5 min)
 *   npm run bench:failover -- --runs 1 --faults drain
 */
import { Command } from 'commander';
import { loadMatcherConfig } from '../src/shared/config/matcher.js';
import { testRoomSecret } from '../test/support/service-process.js';
import { median, percentile, pinSelf } from './support/load.js';
import { runScenario, signalOf, spread, tally, type Fault, type ScenarioResult } from './support/failover-scenario.js';
import { machine } from './support/room-stack.js';
import { commandLine, fmt, verdict, writeSummary, type Figure } from './support/summary.js';

const options = new Command('bench:failover')
  .option('--games <n>', 'games (two players each)', Number, 100)
  .option('--room-servers <n>', 'room server processes', Number, 3)
  .option('--faults <list>', 'comma-separated: kill (SIGKILL), stop (SIGSTOP, then SIGCONT), drain (SIGTERM)', 'kill,stop,drain')
  .option('--runs <n>', 'runs of each fault (medians are reported)', Number, 3)
  .option('--lease-ttl-ms <n>', "the Matcher's ROOM_SERVER_LEASE_TTL_MS (default: the product's)", Number)
  .option('--connect-interval-ms <n>', 'a first connect starts this often', Number, 25)
  .option('--pre-seconds <n>', 'each half of the Redis background window (every room playing) just before the fault', Number, 3)
  .option('--settle-ms <n>', 'wait after the last game is back (SIGSTOP: after SIGCONT) before the checks', Number, 2000)
  .option('--give-up-ms <n>', 'a game not back this long after the fault is lost (default: lease TTL + 15 s)', Number)
  .option('--log-dir <dir>', "write every service's output there after each run (<fault>-run<n>-matcher.log, …-room<i>-<port>.log)")
  .option('--redis-detail', 'print every Redis command of each move window: calls, background estimate, excess')
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{
    games: number;
    roomServers: number;
    faults: string;
    runs: number;
    leaseTtlMs?: number;
    connectIntervalMs: number;
    preSeconds: number;
    settleMs: number;
    giveUpMs?: number;
    redisDetail?: boolean;
    logDir?: string;
    json?: string;
  }>();

const serverCpu = 0;
const loadCpu = 1;
const faults = options.faults.split(',').map((f) => f.trim()) as Fault[];
for (const f of faults) if (!(f in signalOf)) throw new Error(`unknown fault ${f}: kill, stop or drain`);
const matcherEnv: Record<string, string> = options.leaseTtlMs ? { ROOM_SERVER_LEASE_TTL_MS: String(options.leaseTtlMs) } : {};
// The environment the Matcher is started with (startMatcher adds the test room secret): these are the
// lease, heartbeat and report settings it runs with.
const product = loadMatcherConfig(['node', 'bench:failover'], { ...process.env, ROOM_SECRET: testRoomSecret, ...matcherEnv });
const leaseTtlMs = product.roomServerLeaseTtlMs;
const drainTargetMs = 1000;
const targetMs: Record<Fault, number> = { kill: leaseTtlMs + 2000, stop: leaseTtlMs + 2000, drain: drainTargetMs };
const settings = {
  cpu: serverCpu,
  games: options.games,
  roomServers: options.roomServers,
  // Room for the faulted server's games on the others, and then some.
  maxRooms: Math.max(100, options.games),
  matcherEnv,
  roomEnv: { LOG_LEVEL: 'info', ROOM_SCORE_LIMIT: '1000' },
  connectIntervalMs: options.connectIntervalMs,
  preSeconds: options.preSeconds,
  settleMs: options.settleMs,
  giveUpMs: options.giveUpMs ?? leaseTtlMs + 15_000,
  logDir: options.logDir,
};

await pinSelf(loadCpu);
console.log(commandLine('bench:failover'));
console.log(
  `${machine()}; Redis + Matcher + ${options.roomServers} room servers on core ${serverCpu}, ${options.games * 2} GameClients (this process) on core ${loadCpu}`,
);
console.log(
  `lease TTL ${leaseTtlMs} ms${options.leaseTtlMs ? '' : ' (product default)'}, heartbeat ${product.roomServerHeartbeatIntervalMs} ms, failover sweep every ${product.failover.intervalMs} ms, ` +
    `a server is "late" (reports may revoke it) after ${product.failover.lateAfterMs} ms; ROOM_SCORE_LIMIT 1000; faults ${faults.map((f) => signalOf[f]).join(', ')}; ${options.runs} run(s) each\n`,
);

const results = new Map<Fault, ScenarioResult[]>(faults.map((f) => [f, []]));
for (let run = 1; run <= options.runs; run++) {
  for (const fault of faults) {
    const startedMs = Date.now();
    const r = await runScenario(fault, run, settings);
    results.get(fault)!.push(r);
    report(r, run, (Date.now() - startedMs) / 1000);
  }
}

function report(r: ScenarioResult, run: number, seconds: number): void {
  console.log(`run ${run}, ${signalOf[r.fault]} (${seconds.toFixed(0)} s): ${options.games} games on ${options.roomServers} servers (${r.gamesPerServer.join(' · ')}); the faulted one had ${r.faultedGames}`);
  console.log(`  fresh connect (GameClient.connect → first snapshot), ${r.freshMs.length} players: ${spread(r.freshMs, 'ms', 1)}${r.freshFailed ? ` (${r.freshFailed} failed)` : ''}`);
  console.log(`  every game playing: core ${serverCpu} ${r.load.serverCoreBusyPercent.toFixed(0)} % busy, the players (this process, core ${loadCpu}) ${r.load.generatorCpuPercent.toFixed(0)} % of a core`);
  const moveAt = r.moveAfterMs.map((ms, i) => `${r.moveCauses[i]} at +${ms} ms`).join(', ') || 'no move logged';
  console.log(`  Matcher: ${r.roomsMoved} rooms moved (${moveAt}), ${r.roomsEnded} ended; ${r.revoked} lease(s) revoked on reports${r.drainExit ? `; drained server exited ${r.drainExit.code} after ${r.drainExit.ms.toFixed(0)} ms` : ''}`);
  console.log(`  survivors: ${r.restoreMs.length} rooms restored from checkpoint (restore ${spread(r.restoreMs, 'ms', 1)}), ${r.roomsCreatedFresh} created fresh`);
  console.log(`  ${signalOf[r.fault]} → both players back: ${spread(r.backMs)} (${r.backMs.length} of ${r.faultedGames} games); first tick back − last tick seen: min ${Math.min(...r.tickGap)}, p50 ${percentile(r.tickGap, 50)}, max ${Math.max(...r.tickGap)}; reconnected on ${tally(r.backReasons)}`);
  console.log(`  games lost ${r.gamesLost}${r.gamesLost ? ` (${tally(r.lostReasons)})` : ''}; players stranded ${r.stranded}${r.stranded ? ` (${tally(r.strandedReasons)})` : ''}; other games disturbed ${r.otherGamesDisturbed}; game-ended events ${r.endedEvents}; client errors ${r.clientErrors}`);
  const c = r.cost;
  console.log(
    `  Redis, signal → ${options.settleMs} ms after the last game was back${r.fault === 'stop' ? ' and SIGCONT' : ''} (${c.windowSec.toFixed(1)} s): ${fmt(c.total)} commands, background ${fmt(c.background)} → ${fmt(c.excess)} for the move = ${fmt(c.perMove)} per room moved (${c.top})`,
  );
  const m = r.modelCheck;
  console.log(
    `  background model on ${m.seconds.toFixed(1)} s without a fault: measured ${fmt(m.measured)}, predicted ${fmt(m.predicted)} (${fmt((100 * (m.predicted - m.measured)) / m.measured)} %, ${fmt((m.predicted - m.measured) / Math.max(1, r.roomsMoved))} per room moved)`,
  );
  if (options.redisDetail) {
    for (const d of [...c.detail].sort((a, b) => b.calls - a.calls)) {
      console.log(`    ${d.name.padEnd(16)} ${fmt(d.calls).padStart(8)} in the window, background ${fmt(d.background).padStart(8)}, excess ${fmt(d.excess).padStart(7)}`);
    }
  }
  console.log('');
}

const med = (rs: ScenarioResult[], pick: (r: ScenarioResult) => number): number => median(rs.map(pick));
const sum = (rs: ScenarioResult[], pick: (r: ScenarioResult) => number): number => rs.reduce((a, r) => a + pick(r), 0);
const p99 = (values: number[]): number => percentile(values, 99);
const times = (ratio: number): string => `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`;
console.log(`median of ${options.runs} run(s) (lost and stranded: all runs summed); lease TTL ${leaseTtlMs} ms`);
console.log('  fault     games lost  stranded   back p50 ms   back p99 ms   back max ms   target p99     fresh p99 ms   p99 / fresh   Redis cmds / move');
const figures: Figure[] = [];
for (const [fault, rs] of results) {
  const fresh = med(rs, (r) => p99(r.freshMs));
  const backP99 = med(rs, (r) => p99(r.backMs));
  const lost = sum(rs, (r) => r.gamesLost);
  const stranded = sum(rs, (r) => r.stranded);
  const perMove = med(rs, (r) => r.cost.perMove);
  const cells = [
    signalOf[fault].padEnd(8),
    String(lost).padStart(10),
    String(stranded).padStart(9),
    med(rs, (r) => percentile(r.backMs, 50)).toFixed(0).padStart(13),
    backP99.toFixed(0).padStart(13),
    med(rs, (r) => Math.max(...r.backMs)).toFixed(0).padStart(13),
    `≤ ${targetMs[fault]}`.padStart(12),
    fresh.toFixed(1).padStart(14),
    times(backP99 / fresh).padStart(13),
    perMove.toFixed(0).padStart(19),
  ];
  console.log(`  ${cells.join(' ')}   ${verdict(backP99, { atMost: targetMs[fault] }, 'ms')}`);
  const games = sum(rs, (r) => r.faultedGames);
  figures.push(
    {
      figure: `${signalOf[fault]}: games lost (all runs)`,
      unit: 'games',
      value: lost,
      runs: rs.map((r) => r.gamesLost),
      target: { atMost: 0 },
      note: `of ${games} games on the faulted server; ${sum(rs, (r) => r.roomsMoved)} rooms moved`,
    },
    {
      figure: `${signalOf[fault]}: players stranded after it settled (all runs)`,
      unit: 'players',
      value: stranded,
      runs: rs.map((r) => r.stranded),
      target: { atMost: 0 },
      note: `of ${rs.length * options.games * 2}`,
    },
    {
      figure: `${signalOf[fault]} → both players back in the game, p99 over the faulted server's games`,
      unit: 'ms',
      value: backP99,
      runs: rs.map((r) => p99(r.backMs)),
      target: { atMost: targetMs[fault] },
      baseline: `fresh connect p99 ${fresh.toFixed(1)} ms`,
      ratio: `${times(backP99 / fresh)} fresh connect${fault === 'drain' ? '' : `; ${(backP99 / leaseTtlMs).toFixed(2)}× the lease TTL (${fmt(leaseTtlMs)} ms)`}`,
      note: `p50 ${fmt(med(rs, (r) => percentile(r.backMs, 50)))} ms, max ${fmt(med(rs, (r) => Math.max(...r.backMs)))} ms (medians of the runs)`,
    },
    {
      figure: `${signalOf[fault]}: Redis commands per room moved (beyond the rooms that kept running)`,
      unit: 'commands',
      value: perMove,
      runs: rs.map((r) => r.cost.perMove),
      note: `window: signal → ${options.settleMs} ms after the last game was back${fault === 'stop' ? ' (and SIGCONT)' : ''}`,
    },
  );
}
writeSummary(options.json, 'bench:failover', figures);
