import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { commonEnv, parseEnv } from './env.js';
import { portArg, serviceCommand } from './cli.js';

/** How `npm start` lays out the local system. */
export interface LocalSystemConfig {
  /** Address every service listens on: loopback unless asked (a development system is not for the network). */
  host: string;
  /** Redis to use; undefined: reuse 127.0.0.1:6379 if it answers, else start one. */
  redisUrl: string | undefined;
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

function roomPortsArg(value: string): number[] {
  return value.split(',').map((port) => portArg(port.trim()));
}

/** Matcher, gateway and room servers' metrics ports, consecutive from `first`. */
function metricsLayout(first: number, roomCount: number): LocalSystemConfig['metricsPorts'] {
  return { matcher: first, gateway: first + 1, rooms: Array.from({ length: roomCount }, (_, i) => first + 2 + i) };
}

/** Reads `npm start`'s flags and environment. */
export function loadLocalSystemConfig(argv: string[], env: NodeJS.ProcessEnv): LocalSystemConfig {
  const command = serviceCommand('start', 'Start the whole system locally: Redis, Matcher, gateway, room servers')
    .option('--host <addr>', 'address every service listens on (0.0.0.0: all interfaces)', '127.0.0.1')
    .option('--matcher-port <port>', 'Matcher gRPC port', portArg, 50051)
    .option('--gateway-port <port>', 'REST gateway port', portArg, 8080)
    .option('--room-ports <ports>', 'UDP ports of the room servers, comma-separated', roomPortsArg, [7777, 7778, 7779])
    .option('--metrics-ports-from <port>', 'first /metrics HTTP port: Matcher, then gateway, then one per room server', portArg, 9400)
    .addHelpText('after', '\nEnvironment: REDIS_URL (default: reuse 127.0.0.1:6379 or start redis-server), ROOM_SECRET, LOG_LEVEL');
  const flags = command.parse(argv).opts<{ host: string; matcherPort: number; gatewayPort: number; roomPorts: number[]; metricsPortsFrom: number }>();
  const lastMetricsPort = flags.metricsPortsFrom + 1 + flags.roomPorts.length;
  if (flags.metricsPortsFrom === 0 || lastMetricsPort > 65535) {
    command.error(`error: --metrics-ports-from needs ${flags.roomPorts.length + 2} consecutive ports in 1..65535, not ${flags.metricsPortsFrom}..${lastMetricsPort}`);
  }
  const e = parseEnv({ REDIS_URL: z.string().regex(/^rediss?:\/\//).optional(), ROOM_SECRET: commonEnv.ROOM_SECRET, LOG_LEVEL: commonEnv.LOG_LEVEL }, env);
  return {
    host: flags.host,
    redisUrl: e.REDIS_URL,
    matcherPort: flags.matcherPort,
    gatewayPort: flags.gatewayPort,
    roomPorts: flags.roomPorts,
    metricsPorts: metricsLayout(flags.metricsPortsFrom, flags.roomPorts.length),
    roomSecret: e.ROOM_SECRET ?? randomBytes(24).toString('base64url'),
    logLevel: e.LOG_LEVEL,
  };
}
