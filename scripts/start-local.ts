/**
 * `npm start`: the whole system on this machine — Redis (reused or started with AOF), the Matcher,
 * the REST gateway and three room servers (the seed's §11.3 layout) — with their logs on stdout.
 * Each process serves Prometheus metrics on the port deploy/prometheus/prometheus.yml scrapes.
 * Ctrl-C stops everything in order.
 */
import { loadLocalSystemConfig } from '../src/shared/config/local-system.js';
import { localRedis } from './lib/local-redis.js';
import { ServiceProcess } from './lib/service-process.js';

const config = loadLocalSystemConfig(process.argv, process.env);
const echo = (line: string): void => void process.stdout.write(`${line}\n`);
const redis = await localRedis(config.redisUrl);
const env = { REDIS_URL: redis.url, ROOM_SECRET: config.roomSecret, LOG_LEVEL: config.logLevel };
const started: ServiceProcess[] = [];

async function stopAll(): Promise<void> {
  for (const service of started.reverse()) await service.stop();
  await redis.stop();
}

try {
  const matcher = await ServiceProcess.start(
    'src/matcher/main.ts',
    ['--port', String(config.matcherPort), '--metrics-port', String(config.metricsPorts.matcher)],
    env,
    { echo, ownGroup: true },
  );
  started.push(matcher);
  const gateway = await ServiceProcess.start(
    'src/gateway/main.ts',
    ['--port', String(config.gatewayPort), '--matcher', `127.0.0.1:${matcher.port}`, '--metrics-port', String(config.metricsPorts.gateway)],
    env,
    { echo, ownGroup: true },
  );
  started.push(gateway);
  for (const [i, port] of config.roomPorts.entries()) {
    const metricsPort = String(config.metricsPorts.rooms[i]);
    const room = await ServiceProcess.start(
      'src/room/main.ts',
      ['--port', String(port), '--host', '127.0.0.1', '--matcher', `127.0.0.1:${matcher.port}`, '--metrics-port', metricsPort],
      env,
      { echo, ownGroup: true },
    );
    started.push(room);
  }
  const metrics = config.metricsPorts;
  const redisNote = { given: 'from REDIS_URL', reused: 'already running, reused', started: 'started here, AOF in .data/redis' }[redis.origin];
  process.stdout.write(
    [
      '',
      'mini-match is running:',
      `  Matcher (gRPC)   127.0.0.1:${matcher.port}    grpcurl -plaintext 127.0.0.1:${matcher.port} list`,
      `  REST gateway     http://127.0.0.1:${gateway.port}`,
      `  Room servers     UDP ${config.roomPorts.map((port) => `127.0.0.1:${port}`).join(', ')}`,
      '  Play:            npm run play   (in two terminals, or against a bot: npm run bot)',
      `  Redis            ${redis.url}  (${redisNote})`,
      `  Metrics          GET /metrics on Matcher :${metrics.matcher}, gateway :${metrics.gateway}, room servers ${metrics.rooms.map((port) => `:${port}`).join(', ')}`,
      '                   prometheus --config.file=deploy/prometheus/prometheus.yml scrapes them (Grafana: deploy/OBSERVABILITY.md)',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll();
  process.exit(1);
}

let stopping = false;
for (const service of started) {
  service.child.once('exit', (code) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`a service exited unexpectedly (code ${code}); stopping the rest\n`);
    void stopAll().then(() => process.exit(1));
  });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping...\n');
    void stopAll().then(() => process.exit(0));
  });
}
