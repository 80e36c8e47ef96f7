/**
 * `npm start`: the whole system on this machine — Redis (reused or started with AOF; with --redis-ha
 * a primary, replicas and Sentinels), the Matcher, the REST gateway and three room servers (the
 * seed's §11.3 layout) — with their logs on stdout. Each process serves Prometheus metrics on the
 * port deploy/prometheus/prometheus.yml scrapes. Ctrl-C stops everything in order, Redis last.
 */
import { relative } from 'node:path';
import { loadLocalSystemConfig, type LocalRedisConfig, type LocalSystemConfig } from '../src/shared/config/local-system.js';
import { localRedis, localRedisHa } from './lib/local-redis.js';
import type { RedisHa } from './lib/redis-ha.js';
import { ServiceProcess } from './lib/service-process.js';

const config = loadConfig();
const echo = (line: string): void => void process.stdout.write(`${line}\n`);
const started: ServiceProcess[] = [];
let stopRedis = async (): Promise<void> => {};
/** Set by Ctrl-C (even during start-up, which then starts nothing more) or by a service dying. */
let stopping = false;

class StartInterrupted extends Error {}

async function stopAll(): Promise<void> {
  for (const service of started.splice(0).reverse()) await service.stop();
  await stopRedis();
}

/** A bad variable is one line naming it, not a stack trace. */
function loadConfig(): LocalSystemConfig {
  try {
    return loadLocalSystemConfig(process.argv, process.env);
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ConfigError')) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

/** Finds or starts the Redis the system runs on: the variables that tell every service where it is, and the banner's lines. */
async function startRedis(choice: LocalRedisConfig): Promise<{ env: Record<string, string>; banner: string[] }> {
  // Under REDIS_SENTINELS or REDIS_CLUSTER_NODES the services read the same variables, inherited.
  if (choice.kind === 'external') return { env: {}, banner: [`  Redis            ${choice.description}  (from ${choice.variable})`] };
  if (choice.kind === 'single') {
    const redis = await localRedis(choice.url);
    stopRedis = () => redis.stop();
    const note = { given: 'from REDIS_URL', reused: 'already running, reused', started: 'started here, AOF in .data/redis' }[redis.origin];
    return { env: { REDIS_URL: redis.url }, banner: [`  Redis            ${redis.url}  (${note})`] };
  }
  const ha = await localRedisHa(choice.layout);
  stopRedis = () => ha.stop();
  return { env: ha.env, banner: await haBanner(ha) };
}

/** Where the Sentinel layout is, the one command that kills its primary, and what to watch then. */
async function haBanner(ha: RedisHa): Promise<string[]> {
  const { dataPorts, sentinelPorts, masterName, dir } = ha.layout;
  const primary = await ha.primaryPort();
  const address = (port: number): string => `127.0.0.1:${port}`;
  const askSentinel = `redis-cli -p ${sentinelPorts[0]} sentinel get-master-addr-by-name ${masterName}`;
  const killPrimary = `kill -9 $(redis-cli -p "$(${askSentinel} | tail -1)" info server | grep process_id | cut -d: -f2 | tr -d '\\r')`;
  return [
    `  Redis            Sentinel layout started here, AOF in ${relative(process.cwd(), dir) || dir}; master name ${masterName}`,
    `                   primary ${address(primary)}, replicas ${dataPorts.filter((port) => port !== primary).map(address).join(', ')}`,
    `                   Sentinels ${sentinelPorts.map(address).join(',')}`,
    `  Kill the primary ${killPrimary}`,
    '                   then watch: the Matcher logs "redis connection restored" within a few seconds;',
    `                   ${askSentinel}   names the new primary;`,
    `                   curl -s 127.0.0.1:${config.metricsPorts.matcher}/metrics | grep redis_primary_changes_total   counts the switch`,
  ];
}

/** Starts one service in its own process group (a terminal's Ctrl-C reaches only this script). */
async function startService(entry: string, args: string[], env: Record<string, string>): Promise<ServiceProcess> {
  if (stopping) throw new StartInterrupted();
  const service = await ServiceProcess.start(entry, args, env, { echo, ownGroup: true });
  started.push(service);
  return service;
}

async function startAll(): Promise<void> {
  const redis = await startRedis(config.redis);
  const env = { ...redis.env, ROOM_SECRET: config.roomSecret, LOG_LEVEL: config.logLevel };
  const host = ['--host', config.host];
  const matcher = await startService('src/matcher/main.ts', [...host, '--port', String(config.matcherPort), '--metrics-port', String(config.metricsPorts.matcher)], env);
  const matcherTarget = `127.0.0.1:${matcher.port}`;
  const gateway = await startService(
    'src/gateway/main.ts',
    [...host, '--port', String(config.gatewayPort), '--matcher', matcherTarget, '--metrics-port', String(config.metricsPorts.gateway)],
    env,
  );
  for (const [i, port] of config.roomPorts.entries()) {
    const metricsPort = String(config.metricsPorts.rooms[i]);
    await startService('src/room/main.ts', [...host, '--port', String(port), '--matcher', matcherTarget, '--metrics-port', metricsPort], env);
  }
  const metrics = config.metricsPorts;
  process.stdout.write(
    [
      '',
      `mini-match is running (listening on ${config.host}):`,
      `  Matcher (gRPC)   127.0.0.1:${matcher.port}    grpcurl -plaintext 127.0.0.1:${matcher.port} list`,
      `  REST gateway     http://127.0.0.1:${gateway.port}`,
      `  Room servers     UDP ${config.roomPorts.map((port) => `127.0.0.1:${port}`).join(', ')}`,
      '  Play:            npm run play   (in two terminals, or against a bot: npm run bot)',
      ...redis.banner,
      `  Metrics          GET /metrics on Matcher :${metrics.matcher}, gateway :${metrics.gateway}, room servers ${metrics.rooms.map((port) => `:${port}`).join(', ')}`,
      '                   prometheus --config.file=deploy/prometheus/prometheus.yml scrapes them (Grafana: deploy/OBSERVABILITY.md)',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

const startup = startAll();
// Installed before anything has started: a Ctrl-C during start-up waits for the process being
// started, then stops all of them (the children are in their own process groups and would outlive us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping...\n');
    void startup
      .catch(() => undefined)
      .then(stopAll)
      .then(() => process.exit(0));
  });
}

try {
  await startup;
} catch (err) {
  // Interrupted: the signal handler is stopping what started, and exits.
  if (!(err instanceof StartInterrupted)) {
    process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    stopping = true;
    await stopAll();
    process.exit(1);
  }
}

for (const service of started) {
  service.child.once('exit', (code) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`a service exited unexpectedly (code ${code}); stopping the rest\n`);
    void stopAll().then(() => process.exit(1));
  });
}
