import { InvalidArgumentError } from 'commander';
import { commonEnv, roomSecretOf, intVar, parseEnv } from './env.js';
import { redisConfigOf, redisEnv, type RedisConfig } from './redis.js';
import { hostPortArg, matcherOption, portArg, serviceCommand } from './cli.js';
import { defaultRegion, isRegionName, regionNameRule } from '../region.js';
import { telemetryConfig, telemetryEnv, withMetricsPort, type TelemetryConfig } from './telemetry.js';

/** Everything a room server process is configured with, units in the names. */
export interface RoomServerConfig {
  host: string;
  port: number;
  /** host:port clients send UDP to (and the Matcher puts in tokens); undefined: derived from the bound socket. */
  publicAddr: string | undefined;
  /** Most rooms the Matcher may place here (the Register capacity). */
  maxRooms: number;
  /** The region this server hosts rooms for (registered; only that region's players are placed here). */
  region: string;
  matcherTarget: string;
  redis: RedisConfig;
  logLevel: string;
  roomSecret: string;
  roomSecretIsDevDefault: boolean;
  /** First score to reach this wins. */
  scoreLimit: number;
  /** A player heard from for this long is marked reconnecting and the game is held. */
  silenceTimeoutMs: number;
  /** How long a reconnecting player's seat is kept before they forfeit. */
  reconnectGraceSec: number;
  /** A room nobody (or only one player) joined for this long is ended as abandoned. */
  abandonTimeoutSec: number;
  checkpointIntervalTicks: number;
  checkpointTtlSec: number;
  /** Overrides the heartbeat interval the Matcher hands out at Register. */
  heartbeatIntervalMs: number | undefined;
  /** Wait between failed Register / ReportRoomEnded attempts. */
  registryRetryMs: number;
  /** Deadline of each RoomRegistry call. */
  rpcDeadlineMs: number;
  /** How often assigned rooms nobody connected to are looked for. */
  sweepIntervalMs: number;
  /** How often the counters (drops by reason, reconnects, checkpoints, tick health) are logged. */
  statsLogIntervalMs: number;
  /** Most ticks run at once to catch up after a stall; the rest of the backlog is dropped. */
  maxCatchUpTicks: number;
  /** SO_RCVBUF asked for the UDP socket (0: the kernel's default), so bursts are not dropped by the kernel. */
  udpRecvBufferBytes: number;
  shutdownDeadlineMs: number;
  telemetry: TelemetryConfig;
}

const roomEnv = {
  ...commonEnv,
  ...redisEnv,
  ...telemetryEnv,
  ROOM_SCORE_LIMIT: intVar(5, 1, 1000),
  ROOM_RECONNECT_TIMEOUT_MS: intVar(1000, 100, 60000),
  // The design asks for a grace of at least 10 s.
  ROOM_RECONNECT_GRACE_SEC: intVar(10, 10, 3600),
  ROOM_ABANDON_TIMEOUT_SEC: intVar(30, 1, 3600),
  ROOM_CHECKPOINT_INTERVAL_TICKS: intVar(5, 1, 600),
  ROOM_CHECKPOINT_TTL_SEC: intVar(30, 1, 3600),
  ROOM_HEARTBEAT_INTERVAL_MS: intVar(0, 0, 300000),
  ROOM_REGISTRY_RETRY_MS: intVar(500, 10, 60000),
  ROOM_RPC_DEADLINE_MS: intVar(3000, 50, 60000),
  ROOM_SWEEP_INTERVAL_MS: intVar(5000, 50, 600000),
  ROOM_STATS_LOG_INTERVAL_MS: intVar(10000, 50, 3600000),
  ROOM_MAX_CATCH_UP_TICKS: intVar(15, 1, 600),
  ROOM_UDP_RECV_BUFFER_BYTES: intVar(4 * 1024 * 1024, 0, 256 * 1024 * 1024),
  SHUTDOWN_DEADLINE_MS: intVar(5000, 100, 120000),
};

/** Reads the room server's flags and environment; throws ConfigError naming what is wrong. */
export function loadRoomServerConfig(argv: string[], env: NodeJS.ProcessEnv): RoomServerConfig {
  const program = withMetricsPort(serviceCommand('room', 'Room server: authoritative 60-tick games over UDP, many rooms per process'), 9402)
    .option('--port <port>', 'UDP port (0 = any free port)', portArg, 7777)
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--max-rooms <n>', 'most rooms at once (capacity registered with the Matcher)', maxRoomsArg, 100)
    .option('--region <name>', `region this server hosts rooms for: ${regionNameRule}`, regionArg, defaultRegion)
    .addOption(matcherOption())
    .option('--public-addr <host:port>', 'address clients reach this server at (default: host:port, 0.0.0.0 as 127.0.0.1)', hostPortArg)
    .addHelpText('after', `\nEnvironment: ${Object.keys(roomEnv).join(', ')} (ROOM_HEARTBEAT_INTERVAL_MS=0: the Matcher's)`)
    .parse(argv);
  const flags = program.opts<{
    port: number;
    host: string;
    maxRooms: number;
    region: string;
    matcher: string;
    publicAddr?: string;
    metricsPort: number;
  }>();
  const e = parseEnv(roomEnv, env);
  return {
    host: flags.host,
    port: flags.port,
    publicAddr: flags.publicAddr,
    maxRooms: flags.maxRooms,
    region: flags.region,
    matcherTarget: flags.matcher,
    redis: redisConfigOf(e),
    logLevel: e.LOG_LEVEL,
    ...roomSecretOf(e),
    scoreLimit: e.ROOM_SCORE_LIMIT,
    silenceTimeoutMs: e.ROOM_RECONNECT_TIMEOUT_MS,
    reconnectGraceSec: e.ROOM_RECONNECT_GRACE_SEC,
    abandonTimeoutSec: e.ROOM_ABANDON_TIMEOUT_SEC,
    checkpointIntervalTicks: e.ROOM_CHECKPOINT_INTERVAL_TICKS,
    checkpointTtlSec: e.ROOM_CHECKPOINT_TTL_SEC,
    heartbeatIntervalMs: e.ROOM_HEARTBEAT_INTERVAL_MS === 0 ? undefined : e.ROOM_HEARTBEAT_INTERVAL_MS,
    registryRetryMs: e.ROOM_REGISTRY_RETRY_MS,
    rpcDeadlineMs: e.ROOM_RPC_DEADLINE_MS,
    sweepIntervalMs: e.ROOM_SWEEP_INTERVAL_MS,
    statsLogIntervalMs: e.ROOM_STATS_LOG_INTERVAL_MS,
    maxCatchUpTicks: e.ROOM_MAX_CATCH_UP_TICKS,
    udpRecvBufferBytes: e.ROOM_UDP_RECV_BUFFER_BYTES,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    telemetry: telemetryConfig(flags.metricsPort, e),
  };
}

function regionArg(value: string): string {
  if (!isRegionName(value)) throw new InvalidArgumentError(`must be ${regionNameRule}`);
  return value;
}

function maxRoomsArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InvalidArgumentError('must be an integer 1..100000');
  return n;
}
