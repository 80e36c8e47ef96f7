import { randomBytes } from 'node:crypto';
import { Option } from 'commander';
import { commonEnv, parseEnv } from './env.js';
import { portArg, serviceCommand } from './cli.js';
import { describeRedis, redisConfigOf, redisEnv } from './redis.js';

/** The Sentinel layout `npm start -- --redis-ha` starts on this machine. */
export interface LocalRedisHaConfig {
  /** The primary, then its replicas (a node an earlier run left primary stays primary). */
  dataPorts: number[];
  sentinelPorts: number[];
  masterName: string;
  /** Folder of the nodes' AOF and every config file; undefined: .data/redis-ha in the repository. */
  dir: string | undefined;
}

/** The Redis the local system runs on. */
export type LocalRedisConfig =
  /** One Redis: REDIS_URL; undefined: reuse 127.0.0.1:6379 if it answers, else start one. */
  | { kind: 'single'; url: string | undefined }
  /** REDIS_SENTINELS or REDIS_CLUSTER_NODES: every service reads the same variables and connects through them. */
  | { kind: 'external'; description: string; variable: 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES' }
  /** --redis-ha: a primary, replicas and three Sentinels started here. */
  | { kind: 'ha'; layout: LocalRedisHaConfig };

/** How `npm start` lays out the local system. */
export interface LocalSystemConfig {
  /** Address every service listens on: loopback unless asked (a development system is not for the network). */
  host: string;
  redis: LocalRedisConfig;
  matcherPort: number;
  gatewayPort: number;
  /** UDP ports of the room servers, one process each. */
  roomPorts: number[];
  /**
   * HTTP ports of each process's Prometheus `/metrics`, consecutive from `--metrics-ports-from`:
   * Matcher, gateway, then one per room server in `roomPorts` order (deploy/prometheus/prometheus.yml
   * scrapes the default 9400, 9401, 9402-9404).
   */
  metricsPorts: { matcher: number; gateway: number; rooms: number[] };
  /** Shared by the Matcher and the room servers; random per run unless set. */
  roomSecret: string;
  logLevel: string;
}

function portListArg(value: string): number[] {
  return value.split(',').map((port) => portArg(port.trim()));
}

/** Matcher, gateway and room servers' metrics ports, consecutive from `first`. */
function metricsLayout(first: number, roomCount: number): LocalSystemConfig['metricsPorts'] {
  return { matcher: first, gateway: first + 1, rooms: Array.from({ length: roomCount }, (_, i) => first + 2 + i) };
}

interface Flags {
  host: string;
  matcherPort: number;
  gatewayPort: number;
  roomPorts: number[];
  metricsPortsFrom: number;
  redisHa: boolean;
  redisHaDataPorts: number[];
  redisHaSentinelPorts: number[];
  redisHaDir: string | undefined;
}

/** Reads `npm start`'s flags and environment. */
export function loadLocalSystemConfig(argv: string[], env: NodeJS.ProcessEnv): LocalSystemConfig {
  const haOption = (flags: string, description: string): Option => new Option(flags, `${description} (implies --redis-ha)`).implies({ redisHa: true });
  const command = serviceCommand('start', 'Start the whole system locally: Redis, Matcher, gateway, room servers')
    .option('--host <addr>', 'address every service listens on (0.0.0.0: all interfaces)', '127.0.0.1')
    .option('--matcher-port <port>', 'Matcher gRPC port', portArg, 50051)
    .option('--gateway-port <port>', 'REST gateway port', portArg, 8080)
    .option('--room-ports <ports>', 'UDP ports of the room servers, comma-separated', portListArg, [7777, 7778, 7779])
    .option('--metrics-ports-from <port>', 'first /metrics HTTP port: Matcher, then gateway, then one per room server', portArg, 9400)
    .option('--redis-ha', 'start a Redis primary, two replicas and three Sentinels (AOF under .data/redis-ha) and run the system on them')
    .addOption(haOption('--redis-ha-data-ports <ports>', 'ports of the Redis primary and its replicas').argParser(portListArg).default([6380, 6381, 6382]))
    .addOption(haOption('--redis-ha-sentinel-ports <ports>', 'ports of the Sentinels').argParser(portListArg).default([26380, 26381, 26382]))
    .addOption(haOption('--redis-ha-dir <dir>', 'folder of the Sentinel layout (default: .data/redis-ha)'))
    .addHelpText(
      'after',
      '\nEnvironment: REDIS_URL (default: reuse 127.0.0.1:6379 or start redis-server) or REDIS_SENTINELS and REDIS_SENTINEL_MASTER, or REDIS_CLUSTER_NODES,' +
        ' the other REDIS_* variables (passed to every service), ROOM_SECRET, LOG_LEVEL',
    );
  const flags = command.parse(argv).opts<Flags>();
  const lastMetricsPort = flags.metricsPortsFrom + 1 + flags.roomPorts.length;
  if (flags.metricsPortsFrom === 0 || lastMetricsPort > 65535) {
    command.error(`error: --metrics-ports-from needs ${flags.roomPorts.length + 2} consecutive ports in 1..65535, not ${flags.metricsPortsFrom}..${lastMetricsPort}`);
  }
  const e = parseEnv({ ...redisEnv, ROOM_SECRET: commonEnv.ROOM_SECRET, LOG_LEVEL: commonEnv.LOG_LEVEL }, env);
  let redis: LocalRedisConfig;
  if (flags.redisHa) {
    const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_SENTINEL_PASSWORD', 'REDIS_CLUSTER_NODES'] as const).filter((name) => e[name] !== undefined);
    if (given.length > 0) command.error(`error: --redis-ha starts its own Redis and tells every service where it is: unset ${given.join(', ')}`);
    const layout = haLayout(flags, e.REDIS_SENTINEL_MASTER, (message) => command.error(`error: ${message}`));
    // The services read the other REDIS_* variables themselves: check them now, as they will.
    redisConfigOf({ ...e, REDIS_SENTINELS: layout.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',') });
    redis = { kind: 'ha', layout };
  } else {
    const redisConfig = redisConfigOf(e);
    const variable = redisConfig.sentinels.length > 0 ? 'REDIS_SENTINELS' : redisConfig.clusterNodes.length > 0 ? 'REDIS_CLUSTER_NODES' : undefined;
    redis = variable ? { kind: 'external', description: describeRedis(redisConfig), variable } : { kind: 'single', url: e.REDIS_URL };
  }
  return {
    host: flags.host,
    redis,
    matcherPort: flags.matcherPort,
    gatewayPort: flags.gatewayPort,
    roomPorts: flags.roomPorts,
    metricsPorts: metricsLayout(flags.metricsPortsFrom, flags.roomPorts.length),
    roomSecret: e.ROOM_SECRET ?? randomBytes(24).toString('base64url'),
    logLevel: e.LOG_LEVEL,
  };
}

/** The --redis-ha layout: fixed ports (a failover by hand needs to know them), distinct, enough of each. */
function haLayout(flags: Flags, masterName: string, fail: (message: string) => never): LocalRedisHaConfig {
  const { redisHaDataPorts: dataPorts, redisHaSentinelPorts: sentinelPorts } = flags;
  const all = [...dataPorts, ...sentinelPorts];
  if (all.includes(0) || new Set(all).size !== all.length) fail('--redis-ha-data-ports and --redis-ha-sentinel-ports need distinct ports other than 0');
  // With REDIS_MIN_REPLICAS_ACK=1, a primary needs a replica; three Sentinels make a majority of two.
  if (dataPorts.length < 2) fail('--redis-ha-data-ports needs a primary and at least one replica (two recommended)');
  if (sentinelPorts.length < 3) fail('--redis-ha-sentinel-ports needs at least three Sentinels (a majority must agree to fail over)');
  return { dataPorts, sentinelPorts, masterName, dir: flags.redisHaDir };
}
