/**
 * Redis high availability under Sentinel: the primary SIGKILLed again and again under load, and what
 * waiting for a replica (WAIT) costs Enqueue. One layout for the whole run — primary, 2 replicas and
 * 3 Sentinels as real redis-server processes (deploy/redis, down-after `--down-after-ms`) — with a
 * Matcher that waits for a replica (the product's default under Sentinel), one that does not
 * (REDIS_MIN_REPLICAS_ACK=0), a room server with `--games` games of client-library players, all on
 * core 0; this process (the loads and the players) on core 1.
 *
 * 1. WAIT cost: Enqueue saturated and at `--rate`, on the no-op grpc-js server, the Matcher without
 *    WAIT and the one with it, in turn, `--runs` times (medians).
 * 2. `--failovers` times: logins and Enqueues at fixed rates, SIGKILL the primary, time the first
 *    successful Enqueue and login started after it and the room server's first checkpoint written
 *    (against the Sentinels' own +odown and +switch-master); check that every write acknowledged so
 *    far is on the new primary; restart the killed node (it rejoins as a replica) and wait for both
 *    replicas before the next.
 *
 *   npm run bench:redis-ha                               # 5 failovers, 3 runs of the WAIT cost (~2.5 min)
 *   npm run bench:redis-ha -- --failovers 10 --no-wait-cost
 */
import { Command } from 'commander';
import { ServiceProcess } from '../test/support/service-process.js';
import { AckLoad, Acknowledged } from './support/ack-load.js';
import { HaStack } from './support/ha-stack.js';
import { median, pinSelf } from './support/load.js';
import { describeMachine } from './support/machine-info.js';
import { poolSize, runFailover, type FailoverResult } from './support/redis-failover.js';
import { failoverFigures, reportFailover } from './support/redis-ha-report.js';
import { Cleanup } from './support/room-stack.js';
import { sentinelView } from './support/sentinel-watch.js';
import { commandLine, fmt, writeSummary, type Figure } from './support/summary.js';
import { measureEnqueue, newPlayers, settle, type CostRun, type EnqueueTarget, type Measured } from './support/wait-cost.js';

const options = new Command('bench:redis-ha')
  .option('--failovers <n>', 'SIGKILLs of the primary (p50/p99 over them)', Number, 5)
  .option('--down-after-ms <n>', "the Sentinels' down-after-milliseconds (deploy default 5000)", Number, 1000)
  .option('--games <n>', 'games running through the failovers (two client-library players each)', Number, 4)
  .option('--enqueue-rate <n>', 'Enqueue calls/s during each failover (players logged in beforehand)', Number, 100)
  .option('--login-rate <n>', 'AuthenticateDevice calls/s (new devices) during each failover', Number, 50)
  .option('--give-up-ms <n>', 'a recovery not seen this long after the SIGKILL is reported missing', Number, 15_000)
  .option('--min-replicas-ack <n>', "REDIS_MIN_REPLICAS_ACK of the Matcher the failovers run against (default: the product's, 1 under Sentinel)", Number)
  .option('--no-wait-cost', 'skip the WAIT cost measurement')
  .option('--runs <n>', 'runs of the WAIT cost measurement (medians)', Number, 3)
  .option('--seconds <n>', 'length of each WAIT cost load', Number, 3)
  .option('--concurrency <n>', 'calls in flight for the saturated load', Number, 64)
  .option('--rate <n>', 'offered Enqueue calls/s for the fixed-rate load (below both saturation points)', Number, 1000)
  .option('--channels <n>', 'HTTP/2 connections the WAIT cost loads spread over', Number, 4)
  .option('--json <file>', 'also write the summary figures to this file (npm run bench reads it)')
  .parse()
  .opts<{
    failovers: number;
    downAfterMs: number;
    games: number;
    enqueueRate: number;
    loginRate: number;
    giveUpMs: number;
    minReplicasAck?: number;
    waitCost: boolean;
    runs: number;
    seconds: number;
    concurrency: number;
    rate: number;
    channels: number;
    json?: string;
  }>();

const serverCpu = 0;
const loadCpu = 1;
const load = { concurrency: options.concurrency, rate: options.rate, seconds: options.seconds, channels: options.channels };
const ackSetting = options.minReplicasAck === undefined ? 'REDIS_MIN_REPLICAS_ACK unset (1 under Sentinel)' : `REDIS_MIN_REPLICAS_ACK=${options.minReplicasAck}`;

type Kind = 'noop' | 'off' | 'on';
const kindName: Record<Kind, string> = { noop: 'no-op grpc-js', off: 'WAIT off (ACK 0)', on: 'WAIT on (ACK 1)' };

async function waitCost(stack: HaStack, cleanup: Cleanup): Promise<Figure[]> {
  const noop = await ServiceProcess.start('bench/noop-matcher.ts', [], {}, { cpu: serverCpu });
  cleanup.add(() => noop.stop());
  const primaryPort = await stack.ha.primaryPort();
  const redisPids = [primaryPort, ...stack.replicaPorts(primaryPort)].map((port) => stack.ha.pid(port));
  const targets: Record<Kind, EnqueueTarget> = {
    noop: { address: noop.address, pids: [noop.child.pid] },
    off: { address: stack.matcherNoWait.address, pids: [stack.matcherNoWait.child.pid, ...redisPids], metricsPort: stack.matcherNoWait.metricsPort },
    on: { address: stack.matcher.address, pids: [stack.matcher.child.pid, ...redisPids], metricsPort: stack.matcher.metricsPort },
  };
  console.log(
    `WAIT cost: Enqueue saturated (${load.concurrency} in flight) and at ${load.rate}/s offered, ${load.seconds} s each, ${load.channels} connections; ` +
      "players' sessions written to the primary beforehand; each load starts once the queue is drained, no AOF rewrite runs and both replicas are caught up",
  );
  const results: Record<Kind, CostRun[]> = { noop: [], off: [], on: [] };
  const primary = await stack.primary();
  const dataNodes = stack.dataClients();
  const settled = (): Promise<void> => settle(primary, dataNodes);
  try {
    for (let run = 1; run <= options.runs; run++) {
      // Alternate the order, so a drift in the machine's load does not always favour the same one.
      const order: Kind[] = run % 2 === 1 ? ['noop', 'off', 'on'] : ['noop', 'on', 'off'];
      for (const kind of order) {
        const label = `cost-${process.pid}-${kind}-${run}`;
        const tokens =
          kind === 'noop'
            ? { saturated: ['x'.repeat(43)], atRate: ['x'.repeat(43)] }
            : { saturated: await newPlayers(primary, `${label}-max`, load.seconds * 12_000), atRate: await newPlayers(primary, `${label}-rate`, Math.ceil(load.seconds * load.rate)) };
        const r = await measureEnqueue(targets[kind], load, tokens, settled);
        results[kind].push(r);
        const reused = kind !== 'noop' && r.saturated.completed > tokens.saturated.length ? ' (players reused: pool too small)' : '';
        console.log(`  run ${run} ${kindName[kind].padEnd(17)} saturated ${line(r.saturated)}${reused}`);
        console.log(`  run ${run} ${kindName[kind].padEnd(17)} at ${String(load.rate).padEnd(5)}   ${line(r.atRate)}`);
      }
    }
  } finally {
    primary.disconnect();
    for (const node of dataNodes) node.disconnect();
  }
  await noop.stop();
  return costTable(results);
}

function line(r: Measured): string {
  const waits = r.waitsPerCall > 0 ? `; ${r.waitsPerCall.toFixed(2)} WAITs/call, WAIT mean ${r.waitMeanMs.toFixed(2)} ms${r.waitTimeouts ? `, ${r.waitTimeouts} timed out` : ''}` : '';
  const cpu = r.cpuUsPerCall.map((us) => us.toFixed(0)).join(' + ');
  return `${r.perSecond.toFixed(0).padStart(6)} /s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}  CPU/call µs ${cpu}${waits}`;
}

function costTable(results: Record<Kind, CostRun[]>): Figure[] {
  const med = (kind: Kind, pick: (r: CostRun) => number): number => median(results[kind].map(pick));
  const row = (label: string, pick: (r: CostRun) => number, digits: number, ratio = true): void => {
    const [noop, off, on] = (['noop', 'off', 'on'] as Kind[]).map((k) => med(k, pick));
    const cells = [noop, off, on].map((v) => (Number.isFinite(v) ? v!.toFixed(digits) : '—').padStart(17));
    console.log(`  ${label.padEnd(36)}${cells.join('')}${ratio ? `${`${(on! / off!).toFixed(2)}×`.padStart(12)}` : ''}`);
  };
  const cpu = (i: number, pick: (r: CostRun) => Measured) => (r: CostRun) => pick(r).cpuUsPerCall[i] ?? Number.NaN;
  const replicasCpu = (pick: (r: CostRun) => Measured) => (r: CostRun) => (pick(r).cpuUsPerCall[2] ?? Number.NaN) + (pick(r).cpuUsPerCall[3] ?? Number.NaN);
  console.log(`\nEnqueue on the Sentinel layout, median of ${options.runs} run(s)`);
  console.log(`  ${''.padEnd(36)}${Object.values(kindName).map((n) => n.padStart(17)).join('')}${'on / off'.padStart(12)}`);
  row('saturated, calls/s', (r) => r.saturated.perSecond, 0);
  row('saturated, p99 ms', (r) => r.saturated.p99Ms, 1);
  row(`at ${load.rate}/s: achieved /s`, (r) => r.atRate.perSecond, 0);
  row(`at ${load.rate}/s: p50 ms`, (r) => r.atRate.p50Ms, 2);
  row(`at ${load.rate}/s: p99 ms`, (r) => r.atRate.p99Ms, 2);
  row(`at ${load.rate}/s: CPU/call, service µs`, cpu(0, (r) => r.atRate), 0);
  row(`at ${load.rate}/s: CPU/call, primary µs`, cpu(1, (r) => r.atRate), 0);
  row(`at ${load.rate}/s: CPU/call, replicas µs`, replicasCpu((r) => r.atRate), 0);
  row('WAITs per Enqueue, saturated', (r) => r.saturated.waitsPerCall, 3, false);
  row(`WAITs per Enqueue, at ${load.rate}/s`, (r) => r.atRate.waitsPerCall, 3, false);
  row(`mean WAIT ms, at ${load.rate}/s`, (r) => r.atRate.waitMeanMs, 2, false);
  row('errors (saturated + at rate)', (r) => r.saturated.errors + r.atRate.errors, 0, false);

  const rates = (kind: Kind, pick: (r: CostRun) => number): number[] => results[kind].map(pick);
  const sat = (kind: Kind): number => med(kind, (r) => r.saturated.perSecond);
  const p99 = (kind: Kind): number => med(kind, (r) => r.atRate.p99Ms);
  const perRunRatio = median(results.on.map((r, i) => r.saturated.perSecond / results.off[i]!.saturated.perSecond));
  console.log(`  per run, saturated WAIT on / off: ${results.on.map((r, i) => (r.saturated.perSecond / results.off[i]!.saturated.perSecond).toFixed(2)).join(' · ')} (median ${perRunRatio.toFixed(2)})\n`);
  return [
    {
      figure: 'Enqueue/s saturated, Sentinel layout, WAIT off (REDIS_MIN_REPLICAS_ACK=0)',
      unit: '/s',
      value: sat('off'),
      runs: rates('off', (r) => r.saturated.perSecond),
      baseline: `no-op grpc-js ${fmt(sat('noop'))} /s`,
      ratio: `${((100 * sat('off')) / sat('noop')).toFixed(0)} % of no-op`,
    },
    {
      figure: 'Enqueue/s saturated, Sentinel layout, WAIT on (REDIS_MIN_REPLICAS_ACK=1)',
      unit: '/s',
      value: sat('on'),
      runs: rates('on', (r) => r.saturated.perSecond),
      baseline: `WAIT off ${fmt(sat('off'))} /s; no-op ${fmt(sat('noop'))} /s`,
      ratio: `${((100 * sat('on')) / sat('off')).toFixed(0)} % of WAIT off`,
      note: `${fmt(med('on', (r) => r.saturated.waitsPerCall))} WAITs per Enqueue (grouped)`,
    },
    {
      figure: `Enqueue p99 at ${load.rate}/s, WAIT off`,
      unit: 'ms',
      value: p99('off'),
      runs: rates('off', (r) => r.atRate.p99Ms),
      baseline: `no-op grpc-js ${fmt(p99('noop'))} ms`,
      ratio: `${(p99('off') / p99('noop')).toFixed(1)}× no-op`,
      note: `p50 ${fmt(med('off', (r) => r.atRate.p50Ms))} ms`,
    },
    {
      figure: `Enqueue p99 at ${load.rate}/s, WAIT on`,
      unit: 'ms',
      value: p99('on'),
      runs: rates('on', (r) => r.atRate.p99Ms),
      baseline: `WAIT off ${fmt(p99('off'))} ms`,
      ratio: `${(p99('on') / p99('off')).toFixed(2)}× WAIT off`,
      note: `p50 ${fmt(med('on', (r) => r.atRate.p50Ms))} ms (WAIT off ${fmt(med('off', (r) => r.atRate.p50Ms))} ms); mean WAIT ${fmt(med('on', (r) => r.atRate.waitMeanMs))} ms, ${fmt(med('on', (r) => r.atRate.waitsPerCall))} per Enqueue`,
    },
  ];
}

async function failovers(stack: HaStack): Promise<Figure[]> {
  const settings = { enqueuePerSec: options.enqueueRate, loginPerSec: options.loginRate, preMs: 1000, postMs: 1000, giveUpMs: options.giveUpMs };
  console.log(
    `Failovers: SIGKILL of the primary with Enqueue at ${settings.enqueuePerSec}/s and AuthenticateDevice at ${settings.loginPerSec}/s (5 s deadline, no retry) against the Matcher (${ackSetting}), ${options.games} games playing`,
  );
  const acked = new Acknowledged();
  const results: FailoverResult[] = [];
  const loadFor = (n: number): AckLoad => new AckLoad(stack.clients, acked, `bench-ha-${process.pid}-f${n}`, 2000);
  let next = loadFor(1);
  await next.prepare(poolSize(settings));
  for (let n = 1; n <= options.failovers; n++) {
    const current = next;
    next = loadFor(n + 1);
    const prepareNext = (): Promise<void> => (n < options.failovers ? next.prepare(poolSize(settings)) : Promise.resolve());
    const r = await runFailover(stack, settings, current, acked, prepareNext);
    results.push(r);
    reportFailover(n, r);
  }
  return failoverFigures(results, { downAfterMs: options.downAfterMs, ackSetting });
}

await pinSelf(loadCpu);
console.log(commandLine('bench:redis-ha'));
console.log(describeMachine());
const cleanup = new Cleanup();
const figures: Figure[] = [];
try {
  const stack = await HaStack.start({ cpu: serverCpu, downAfterMs: options.downAfterMs, games: options.games, minReplicasAck: options.minReplicasAck }, cleanup);
  const { layout } = stack.ha;
  const view = await sentinelView(layout.sentinelPorts[0]!, layout.masterName);
  console.log(
    `primary ${layout.dataPorts[0]} + replicas ${layout.dataPorts.slice(1).join(', ')}, Sentinels ${layout.sentinelPorts.join(', ')} ` +
      `(down-after ${options.downAfterMs} ms, failover-timeout ${view?.failoverTimeoutMs} ms); Matchers (WAIT: ${ackSetting}; no WAIT: REDIS_MIN_REPLICAS_ACK=0), ` +
      `room server with ${options.games} games, all on core ${serverCpu}; loads and ${options.games * 2} players (this process) on core ${loadCpu}\n`,
  );
  if (options.waitCost) figures.push(...(await waitCost(stack, cleanup)));
  await stack.matcherNoWait.stop();
  figures.push(...(await failovers(stack)));
} finally {
  await cleanup.run();
  cleanup.dispose();
}
writeSummary(options.json, 'bench:redis-ha', figures);
