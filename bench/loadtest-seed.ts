/**
 * The seed's load test as one command (seed §10, §11.3): its own redis-server, one Matcher and three
 * room servers on core 0; the load generator (`npm run loadgen`, in this process) on core 1 with
 * 100 clients for 60 s. Then it checks and prints, with PASS / FAIL per check (exit code 1 on a FAIL):
 *
 * - every room server held 60 ticks/s — its `room server stats` lines, one a second (tick_rate is
 *   its ticks over the last 5 s), each ≥ 59.5; the tick rate the Matcher stored in Redis from the
 *   heartbeats (`room_server:<addr>` tick_rate, read every second) is shown beside it;
 * - Matcher p99 < 50 ms — every unary call the clients made (AuthenticateDevice, Enqueue, Dequeue,
 *   GetAssignment), timed client-side;
 * - Redis CPU < 10 % — INFO cpu (used_cpu_sys + used_cpu_user) over the load, against wall time.
 *
 *   npm run loadtest:seed                      # 100 clients, 60 s
 *   npm run loadtest:seed -- --duration 20     # shorter
 */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultOutDir, parseLoadgenArgs } from '../src/loadgen/options.js';
import { runWithOutput } from '../src/loadgen/run-with-output.js';
import { pinSelf } from './support/load.js';
import { Cleanup, machine } from './support/room-stack.js';
import { seedChecks, serverFigures } from './support/seed-checks.js';
import { SeedStack, type StoredTickRate } from './support/seed-stack.js';

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

const flags = new Command('loadtest:seed')
  .description("The seed's load test: Redis, a Matcher, 3 room servers and 100 loadgen clients; checks tick rate, Matcher p99 and Redis CPU")
  .option('--duration <seconds>', 'how long the load runs', positive, 60)
  .option('--clients <n>', 'load generator clients', positive, 100)
  .option('--room-servers <n>', 'room server processes', positive, 3)
  .option('--ramp-up <seconds>', 'the clients arrive evenly over this long, not all in one instant', '10')
  .option('--reconnect-rate <fraction>', 'probability per game that a client cuts its link and reconnects', '0.1')
  .option('--out <dir>', 'folder for the loadgen report and checks.json', defaultOutDir(new Date()).replace('loadgen', 'loadtest-seed'))
  .option('--no-progress', 'no progress bar')
  .parse()
  .opts<{ duration: number; clients: number; roomServers: number; rampUp: string; reconnectRate: string; out: string; progress: boolean }>();

const serverCpu = 0;
const loadCpu = 1;

// Validated before anything starts (a bad flag exits at once); the Matcher's address is known later.
const loadgenFlags = parseLoadgenArgs([
  ...['--clients', String(flags.clients), '--duration', String(flags.duration), '--matcher', '127.0.0.1:50051'],
  ...['--ramp-up', flags.rampUp, '--reconnect-rate', flags.reconnectRate, '--out', flags.out, ...(flags.progress ? [] : ['--no-progress'])],
]);

const cleanup = new Cleanup();
let failed = true;
try {
  await pinSelf(loadCpu);
  console.log(`npm run loadtest:seed -- ${process.argv.slice(2).join(' ')}`);
  console.log(`${machine()}; Redis + Matcher + ${flags.roomServers} room servers on core ${serverCpu}, ${flags.clients} loadgen clients (this process) on core ${loadCpu}\n`);
  const stack = await SeedStack.start(serverCpu, flags.roomServers, (stop) => cleanup.add(stop));
  const loadgen = { ...loadgenFlags, matcherTarget: stack.matcher.address };

  const stored: StoredTickRate[] = [];
  const sampler = setInterval(() => void stack.storedTickRates().then((r) => stored.push(...r), () => undefined), 1000);
  cleanup.add(() => clearInterval(sampler));
  const cpu0 = await stack.redisCpuSec();
  const startedMs = Date.now();
  const report = await runWithOutput(loadgen);
  const endedMs = Date.now();
  const redisCpuPercent = ((await stack.redisCpuSec()) - cpu0) / ((endedMs - startedMs) / 1000) * 100;
  clearInterval(sampler);

  const servers = stack.statsBetween(startedMs, endedMs).map(({ addr, lines }) => serverFigures(addr, lines, stored.filter((s) => s.heartbeatAtMs >= startedMs && s.heartbeatAtMs <= endedMs)));
  const unary = report.rpc.unary;
  const rows = seedChecks({ servers, matcherP99Ms: unary.latencyMs.p99, matcherCalls: unary.latencyMs.count, redisCpuPercent });
  const table = new Table({ head: ['check', 'figure', 'target', 'result'], style: { head: [], border: [] }, wordWrap: true, colWidths: [34, 64, 20, 8] });
  table.push(...rows.map((r) => [r.check, r.figure, r.target, r.pass ? 'PASS' : 'FAIL']));
  const reconnects = report.reconnects;
  const info = new Table({ head: ['also measured', 'figure'], style: { head: [], border: [] }, wordWrap: true, colWidths: [34, 94] });
  info.push(
    ['concurrent games (peak)', `${Math.floor(report.clients.peakPlaying / 2)} rooms (${report.clients.peakPlaying} clients playing); seed: 50 rooms over 3 processes`],
    ['Matcher calls', `${unary.calls} unary calls, ${unary.perSec.toFixed(1)} /s (the seed's "> 100 req/s" needs more clients than 100)`],
    ['match latency (enqueue → assignment)', `p50 ${report.matches.latencyMs.p50.toFixed(1)} ms, p99 ${report.matches.latencyMs.p99.toFixed(1)} ms over ${report.matches.assignments} assignments`],
    ['reconnects', `${reconnects.succeeded} of ${reconnects.attempted} back in the same game (${reconnects.failed} failed); seed: > 95 %`],
    ['tick rate seen by clients per game', `p1 ${report.games.tickRate.p1.toFixed(2)}, p50 ${report.games.tickRate.p50.toFixed(2)} ticks/s over ${report.games.tickRate.count} client games`],
    ['games completed', `${report.games.completed} (of ${report.games.connected} rooms played)`],
  );
  console.log(`\nseed checks (${((endedMs - startedMs) / 1000).toFixed(1)} s of load)\n${table.toString()}\n${info.toString()}`);
  await writeFile(join(flags.out, 'checks.json'), `${JSON.stringify({ rows, servers, redisCpuPercent }, null, 2)}\n`);
  failed = rows.some((r) => r.pass === false);
  console.log(failed ? '\nFAIL' : '\nPASS');
} catch (err) {
  console.error(`loadtest:seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup.run();
  cleanup.dispose();
}
process.exitCode = failed ? 1 : 0;
