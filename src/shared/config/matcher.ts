import { ConfigError, commonEnv, roomSecretOf, intVar, numberVar, parseEnv } from './env.js';
import { redisConfigOf, redisEnv, type RedisConfig } from './redis.js';
import { portArg, serviceCommand } from './cli.js';
import { telemetryConfig, telemetryEnv, withMetricsPort, type TelemetryConfig } from './telemetry.js';

/** Everything the Matcher process is configured with, units in the names. */
export interface MatcherConfig {
  host: string;
  port: number;
  redis: RedisConfig;
  logLevel: string;
  roomSecret: string;
  roomSecretIsDevDefault: boolean;
  match: {
    /** Largest MMR difference a fresh pair may have (seed: 200). */
    mmrTolerance: number;
    /** How fast a waiting player's window widens, MMR per second of waiting. */
    windowGrowthPerSec: number;
    /** The widest a window gets. */
    windowMax: number;
    /** Longest a player waits in the queue before timing out. */
    maxWaitMs: number;
    /** Time between matching passes when nothing new arrives. */
    passIntervalMs: number;
    /** Most pairs claimed by one Redis script call, to bound how long Redis is busy. */
    claimBatchPairs: number;
  };
  sessionTtlSec: number;
  /** Most WatchAssignment streams one player holds; a new one past it ends the oldest. */
  maxWatchesPerPlayer: number;
  /** Most concurrent calls (HTTP/2 streams) on one client connection; more wait their turn. */
  maxStreamsPerConnection: number;
  /** A device id with no login for this long is forgotten. */
  deviceTtlSec: number;
  maxSessionsPerPlayer: number;
  connectTokenTtlSec: number;
  roomMapTtlSec: number;
  outcomeTtlSec: number;
  roomServerLeaseTtlMs: number;
  roomServerHeartbeatIntervalMs: number;
  failover: {
    /** How often servers silent past their lease are looked for (their rooms move). */
    intervalMs: number;
    /** Longest a room of a lost server waits for a server with free capacity before it is ended. */
    maxWaitMs: number;
    /** A server this late with its heartbeat can be given up on early when all its room's players report it. */
    lateAfterMs: number;
    /** Shortest checkpoint TTL a room server may register with (lease + sweep + 5 s to reconnect). */
    minCheckpointTtlMs: number;
  };
  shutdownDeadlineMs: number;
  telemetry: TelemetryConfig;
}

const matcherEnv = {
  ...commonEnv,
  ...redisEnv,
  ...telemetryEnv,
  MATCH_MMR_TOLERANCE: numberVar(200, 0, 100000),
  MATCH_WINDOW_GROWTH_PER_SEC: numberVar(10, 0, 100000),
  MATCH_WINDOW_MAX: numberVar(400, 0, 100000),
  MATCH_MAX_WAIT_SEC: numberVar(60, 1, 86400),
  MATCH_PASS_INTERVAL_MS: intVar(100, 5, 60000),
  MATCH_CLAIM_BATCH_PAIRS: intVar(250, 1, 5000),
  SESSION_TTL_SEC: intVar(86400, 60, 30 * 86400),
  SESSION_MAX_PER_PLAYER: intVar(16, 1, 1000),
  MATCH_MAX_WATCHES_PER_PLAYER: intVar(4, 1, 1000),
  MATCHER_MAX_STREAMS_PER_CONNECTION: intVar(2000, 10, 1_000_000),
  DEVICE_TTL_SEC: intVar(90 * 86400, 3600, 3650 * 86400),
  CONNECT_TOKEN_TTL_SEC: intVar(30, 5, 3600),
  ROOM_MAP_TTL_SEC: intVar(300, 30, 86400),
  ROOM_SERVER_LEASE_TTL_MS: intVar(10000, 1000, 600000),
  ROOM_SERVER_HEARTBEAT_INTERVAL_MS: intVar(3000, 100, 300000),
  ROOM_FAILOVER_INTERVAL_MS: intVar(500, 50, 60000),
  ROOM_FAILOVER_MAX_WAIT_SEC: intVar(15, 0, 3600),
  SHUTDOWN_DEADLINE_MS: intVar(10000, 100, 120000),
};

/** Time a moved room's players get to reach its new server before its checkpoint may expire. */
const reconnectMarginMs = 5000;

/** Reads the Matcher's flags and environment; throws ConfigError naming what is wrong. */
export function loadMatcherConfig(argv: string[], env: NodeJS.ProcessEnv): MatcherConfig {
  const program = withMetricsPort(serviceCommand('matcher', 'Matcher gRPC service: sessions, matchmaking, room registry'), 9400)
    .option('--port <port>', 'gRPC port (0 = any free port)', portArg, 50051)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .addHelpText('after', `\nEnvironment: ${Object.keys(matcherEnv).join(', ')}`)
    .parse(argv);
  const flags = program.opts<{ port: number; host: string; metricsPort: number }>();
  const e = parseEnv(matcherEnv, env);
  if (e.ROOM_SERVER_HEARTBEAT_INTERVAL_MS >= e.ROOM_SERVER_LEASE_TTL_MS) {
    throw new ConfigError('invalid environment: ROOM_SERVER_HEARTBEAT_INTERVAL_MS must be below ROOM_SERVER_LEASE_TTL_MS');
  }
  if (e.MATCH_WINDOW_MAX < e.MATCH_MMR_TOLERANCE) {
    throw new ConfigError('invalid environment: MATCH_WINDOW_MAX must be at least MATCH_MMR_TOLERANCE');
  }
  return {
    host: flags.host,
    port: flags.port,
    redis: redisConfigOf(e),
    logLevel: e.LOG_LEVEL,
    ...roomSecretOf(e),
    match: {
      mmrTolerance: e.MATCH_MMR_TOLERANCE,
      windowGrowthPerSec: e.MATCH_WINDOW_GROWTH_PER_SEC,
      windowMax: e.MATCH_WINDOW_MAX,
      maxWaitMs: e.MATCH_MAX_WAIT_SEC * 1000,
      passIntervalMs: e.MATCH_PASS_INTERVAL_MS,
      claimBatchPairs: e.MATCH_CLAIM_BATCH_PAIRS,
    },
    sessionTtlSec: e.SESSION_TTL_SEC,
    maxWatchesPerPlayer: e.MATCH_MAX_WATCHES_PER_PLAYER,
    maxStreamsPerConnection: e.MATCHER_MAX_STREAMS_PER_CONNECTION,
    deviceTtlSec: e.DEVICE_TTL_SEC,
    maxSessionsPerPlayer: e.SESSION_MAX_PER_PLAYER,
    connectTokenTtlSec: e.CONNECT_TOKEN_TTL_SEC,
    roomMapTtlSec: e.ROOM_MAP_TTL_SEC,
    outcomeTtlSec: Math.max(3600, e.MATCH_MAX_WAIT_SEC * 2),
    roomServerLeaseTtlMs: e.ROOM_SERVER_LEASE_TTL_MS,
    roomServerHeartbeatIntervalMs: e.ROOM_SERVER_HEARTBEAT_INTERVAL_MS,
    failover: {
      intervalMs: e.ROOM_FAILOVER_INTERVAL_MS,
      maxWaitMs: e.ROOM_FAILOVER_MAX_WAIT_SEC * 1000,
      lateAfterMs: Math.min(2 * e.ROOM_SERVER_HEARTBEAT_INTERVAL_MS, e.ROOM_SERVER_LEASE_TTL_MS),
      minCheckpointTtlMs: e.ROOM_SERVER_LEASE_TTL_MS + e.ROOM_FAILOVER_INTERVAL_MS + reconnectMarginMs,
    },
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    telemetry: telemetryConfig(flags.metricsPort, e),
  };
}
