import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { on, once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { Bot } from '../../src/client/bot.js';
import type { Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import type { Snapshot } from '../../src/gen/mini/room/v1/packets.js';
import { loadLocalSystemConfig } from '../../src/shared/config/local-system.js';
import {
  alertRules,
  alertsFile,
  alertTestsFile,
  dashboardQueries,
  datasourcesFile,
  prometheusConfig,
  prometheusConfigFile,
  readYaml,
  type PrometheusConfig,
} from '../support/deploy-files.js';
import { ObservedSystem } from '../support/observed-system.js';
import { PrometheusServer, promtool, type Sample } from '../support/prometheus-server.js';
import { conditionOperands } from '../support/promql.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

/*
 * The dashboard and the alert rules in deploy/ against the real thing: every process of the local
 * layout, scraped by a real Prometheus, after a session that exercises what the panels show (games,
 * a dropped link, a room server crash, REST calls, client errors, a stray datagram).
 *
 * "Has data" means: the instant query returns at least one series, and at least one is a number
 * (not NaN — a ratio or quantile over no events). Alert rules are conditions, and on a healthy
 * system a condition is rightly empty; so for each rule the test queries the values it compares
 * (conditionOperands: `lhs > 0.05` → lhs; `a < b` → a and b; `x and y` → the operands of each), which
 * must have data, and then the whole condition, which must be empty. Together: the rule looks at
 * series that exist, and does not fire on a system that is fine. That each rule does fire when it
 * should is what `promtool test rules` (deploy/prometheus/alerts.test.yml) shows, on synthetic series.
 */

/** Grafana's $__rate_interval etc. are replaced by this: the whole session fits in it. */
const rateInterval = '1m';

describe('observability: Prometheus scrapes every process, and every dashboard and alert expression has data', function () {
  this.timeout(60000);
  let system: ObservedSystem;
  let prometheus: PrometheusServer;

  // Prometheus scrapes from the start: a rate needs samples from before and after what it counts.
  before(async () => {
    system = await ObservedSystem.start();
    prometheus = await PrometheusServer.start(testPrometheusConfig(system.metricsTargets()));
    await untilNoProblems('every target up', () => targetProblems(prometheus, system));
    await playSession(system);
  });

  // Also after a failed before().
  after(async () => {
    await prometheus?.stop();
    await system?.stop();
  });

  it('scrapes the Matcher, the gateway and every room server (the crashed one again after its restart)', async () => {
    await untilNoProblems('every target up', () => targetProblems(prometheus, system));
  });

  it('has data for every query of the Grafana dashboard', async () => {
    const queries = dashboardQueries(rateInterval);
    await untilNoProblems('every dashboard query to have data', async () => {
      const problems: string[] = [];
      for (const { panel, expr } of queries) problems.push(...noData(`panel "${panel}"`, expr, await prometheus.query(expr)));
      return problems;
    });
  });

  it('has data for every value an alert rule compares, and no rule condition holds on the healthy system', async () => {
    const rules = alertRules();
    await untilNoProblems('every alert operand to have data and every condition to be empty', async () => {
      const problems: string[] = [];
      for (const rule of rules) {
        const name = `rule ${rule.alert ?? rule.record}`;
        for (const operand of conditionOperands(rule.expr)) problems.push(...noData(name, operand, await prometheus.query(operand)));
        if (!rule.alert) continue;
        const holding = await prometheus.query(rule.expr);
        if (holding.length > 0) problems.push(`${name}: the condition holds on a healthy system: ${show(holding)}`);
      }
      return problems;
    });
  });

  it('loads every rule of alerts.yml and evaluates it without error', async () => {
    const names = alertRules().map((rule) => rule.alert ?? rule.record);
    await untilNoProblems('every rule evaluated', async () => {
      const loaded = await prometheus.rules();
      const problems = names.filter((name) => !loaded.some((rule) => rule.name === name)).map((name) => `${name}: not loaded`);
      for (const rule of loaded) if (rule.health !== 'ok') problems.push(`${rule.name}: health ${rule.health} ${rule.lastError ?? ''}`);
      return problems;
    });
  });
});

describe('observability: the files in deploy/', () => {
  it('promtool accepts prometheus.yml (with the rule files it names)', () => {
    const run = promtool('check', 'config', prometheusConfigFile);
    expect(run.status, run.output).to.equal(0);
  });

  it('promtool accepts alerts.yml', () => {
    const run = promtool('check', 'rules', alertsFile);
    expect(run.status, run.output).to.equal(0);
  });

  it('every alert fires as its unit tests expect (promtool test rules)', () => {
    const run = promtool('test', 'rules', alertTestsFile);
    expect(run.status, run.output).to.equal(0);
  });

  it('prometheus.yml scrapes the metrics ports npm start gives its processes', () => {
    const { metricsPorts } = loadLocalSystemConfig(['node', 'start'], {});
    const local = (ports: number[]) => ports.map((port) => `127.0.0.1:${port}`);
    expect(scrapedTargets(prometheusConfig())).to.deep.equal({
      matcher: local([metricsPorts.matcher]),
      gateway: local([metricsPorts.gateway]),
      room: local(metricsPorts.rooms),
    });
  });

  it('every dashboard query goes to the provisioned Prometheus datasource', () => {
    const { datasources } = readYaml<{ datasources: { uid: string; type: string }[] }>(datasourcesFile);
    const prometheusUids = datasources.filter((source) => source.type === 'prometheus').map((source) => source.uid);
    expect(prometheusUids).to.have.length(1);
    for (const { panel, datasourceUid } of dashboardQueries(rateInterval)) expect(datasourceUid, panel).to.equal(prometheusUids[0]);
  });

  it('splits alert conditions into the values they compare', () => {
    const cases: [string, string[]][] = [
      ['up{job="room"} == 0', ['up{job="room"}']],
      ['room_tick_rate < 58', ['room_tick_rate']],
      ['sum(max by (region) (room_servers_live)) < count(up{job="room"} == 1)', ['sum(max by (region) (room_servers_live))', 'count(up{job="room"} == 1)']],
      ['sum(rate(a[5m])) / (sum(rate(a[5m])) + sum(rate(b[5m]))) > 0.25 and sum(increase(a[10m])) >= 3', ['sum(rate(a[5m])) / (sum(rate(a[5m])) + sum(rate(b[5m])))', 'sum(increase(a[10m]))']],
      ['sum by (m) (rate(x{code=~"A|B"}[5m]) or rate(x[5m]) * 0) / sum by (m) (rate(x[5m])) > 0.05', ['sum by (m) (rate(x{code=~"A|B"}[5m]) or rate(x[5m]) * 0) / sum by (m) (rate(x[5m]))']],
      ['(x > 1) or y{l="a > b"} != on(i) group_left z', ['x', 'y{l="a > b"}', 'z']],
      ['x > bool 1', ['x > bool 1']],
      ['match_unplaced_pairs_or_more >= 1e3', ['match_unplaced_pairs_or_more']],
    ];
    for (const [expr, operands] of cases) expect(conditionOperands(expr), expr).to.deep.equal(operands);
    expect(() => conditionOperands('x > 1 unless y')).to.throw(/unless/);
  });
});

/** deploy/prometheus/prometheus.yml, scraping these targets every second, its rule files by absolute path. */
function testPrometheusConfig(targets: Record<string, string[]>): PrometheusConfig {
  const config = prometheusConfig();
  expect(Object.keys(scrapedTargets(config)), 'the jobs of prometheus.yml').to.have.members(Object.keys(targets));
  return {
    ...config,
    global: { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: config.rule_files.map((file) => resolve(dirname(prometheusConfigFile), file)),
    scrape_configs: config.scrape_configs.map((job) => ({ ...job, static_configs: [{ targets: targets[job.job_name]! }] })),
  };
}

function scrapedTargets(config: PrometheusConfig): Record<string, string[]> {
  return Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((s) => s.targets)]));
}

/**
 * What the dashboard shows, happening: REST calls through the gateway (a login, two client errors),
 * a datagram no room server accepts, and three games at MMRs too far apart to mix — one plain, one
 * whose player drops its link and reconnects, one whose room server is SIGKILLed and restarted
 * (the room is restored from its checkpoint and both players get back in).
 */
async function playSession(system: ObservedSystem): Promise<void> {
  await sendDatagram(system.rooms[0]!.port, Buffer.from([0xff, 0x00]));
  await restCalls(`http://${system.gateway.address}`);
  const matcher = system.matcher.address;
  const follower = (label: string, mmr: number) => new Bot(matcher, { deviceId: deviceIdOf(label), mmr });
  const sleeper = (label: string, mmr: number) => new Bot(matcher, { deviceId: deviceIdOf(label), mmr, deadZoneUnits: 10_000_000 });
  const dropper = new Bot(matcher, { deviceId: deviceIdOf('observability-dropper'), mmr: 2000, drop: { atTick: 50, afterMs: 100 } });
  const crashed = follower('observability-crashed', 3000);
  const bots = [
    follower('observability-plain', 1000),
    sleeper('observability-plain-opponent', 1000),
    dropper,
    sleeper('observability-dropper-opponent', 2000),
    crashed,
    sleeper('observability-crashed-opponent', 3000),
  ];
  const reconnected = once(dropper.game, 'reconnected', { signal: AbortSignal.timeout(30000) });
  const settled = await Promise.allSettled([...bots.map((bot) => bot.run()), crashItsRoomServer(system, crashed), reconnected]);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  // Again, now that Prometheus has seen the series the first calls created: rates need an increase.
  await restCalls(`http://${system.gateway.address}`);
}

/** A login, a status before any match (404, from NOT_FOUND) and one with a bad token (401, from UNAUTHENTICATED). */
async function restCalls(gateway: string): Promise<void> {
  const login = await fetch(`${gateway}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device_id: deviceIdOf('observability-rest') }),
  });
  expect(login.status).to.equal(200);
  const { token } = (await login.json()) as { token: string };
  expect((await fetch(`${gateway}/match/status`, { headers: { authorization: `Bearer ${token}` } })).status, 'status before a match').to.equal(404);
  expect((await fetch(`${gateway}/match/status`, { headers: { authorization: 'Bearer nonsense' } })).status, 'a bad token').to.equal(401);
}

/** Once the bot has played a second, SIGKILLs the room server its game is on and starts it again. */
async function crashItsRoomServer(system: ObservedSystem, bot: Bot): Promise<void> {
  const signal = AbortSignal.timeout(20000);
  const [assignment] = (await once(bot.game, 'assigned', { signal })) as [Assignment];
  for await (const [snapshot] of on(bot.game, 'snapshot', { signal }) as AsyncIterable<[Snapshot]>) if (snapshot.tick >= 60) break;
  const index = system.rooms.findIndex((room) => room.address === assignment.roomAddr);
  expect(index, `a room server at ${assignment.roomAddr}`).to.be.at.least(0);
  await system.crashAndRestartRoom(index);
}

async function sendDatagram(port: number, bytes: Buffer): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((done, fail) => socket.send(bytes, port, '127.0.0.1', (err) => (err ? fail(err) : done())));
  } finally {
    socket.close();
  }
}

async function targetProblems(prometheus: PrometheusServer, system: ObservedSystem): Promise<string[]> {
  const expected = Object.entries(system.metricsTargets()).flatMap(([job, targets]) => targets.map((target) => `${job} ${target}`));
  const targets = await prometheus.targets();
  const problems = targets.filter((t) => t.health !== 'up').map((t) => `${t.labels.job} ${t.labels.instance}: ${t.health} ${t.lastError}`);
  const scraped = targets.map((t) => `${t.labels.job} ${t.labels.instance}`);
  if (scraped.sort().join() !== expected.sort().join()) problems.push(`targets ${scraped.join(', ')}; expected ${expected.join(', ')}`);
  return problems;
}

/** Why a query's answer does not count as data: no series, or only NaN. */
function noData(who: string, expr: string, samples: Sample[]): string[] {
  if (samples.length === 0) return [`${who}: no series for ${expr}`];
  if (samples.every((sample) => sample.value[1] === 'NaN')) return [`${who}: only NaN for ${expr}`];
  return [];
}

function show(samples: Sample[]): string {
  return samples.map((s) => `${JSON.stringify(s.metric)} ${s.value[1]}`).join('; ');
}

/** Polls until `find` reports no problems; at the deadline fails with the last problems found. */
async function untilNoProblems(what: string, find: () => Promise<string[]>, timeoutMs = 15000): Promise<void> {
  let problems = ['not checked yet'];
  try {
    await eventually(what, async () => (problems = await find()).length === 0, timeoutMs, 250);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    expect.fail(`${what}: still ${problems.length} problem(s) after ${timeoutMs} ms (${detail}):\n  ${problems.join('\n  ')}`);
  }
}
