import { z } from 'zod';
import { ConfigError, commonEnv, intVar, parseEnv } from './env.js';
import { matcherOption, portArg, serviceCommand } from './cli.js';
import { telemetryConfig, telemetryEnv, withMetricsPort, type TelemetryConfig } from './telemetry.js';

/** How long the gateway waits for a client, and how many connections it holds. */
export interface GatewayHttpLimits {
  /** Longest a whole request (headers and body) may take to arrive; then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** Longest the request headers may take to arrive (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** Longest a keep-alive connection waits idle for its next request. */
  keepAliveTimeoutMs: number;
  /** A connection with no byte in either direction for this long is closed (open watches send keepalives). */
  socketIdleTimeoutMs: number;
  /** Connections held at once; past it, new ones are closed as they arrive. */
  maxConnections: number;
  /** Connections held at once from one address (IPv6: one /64); 0 = no cap (behind a proxy). */
  maxConnectionsPerIp: number;
  /** Proxies whose X-Forwarded-For names the client (fastify trustProxy); undefined = trust none. */
  trustProxy: string | undefined;
}

/** Per-client (request.ip) rate limits, counted in fixed windows; 0 = no limit. */
export interface GatewayRateLimits {
  windowMs: number;
  /** POST /session requests per window. */
  loginsPerWindow: number;
  /** GET /match/watch requests per window. */
  watchOpensPerWindow: number;
}

/** Everything the REST gateway is configured with, units in the names. */
export interface GatewayConfig {
  host: string;
  port: number;
  /** The Matcher's gRPC target (it also serves Sessions): host:port, or several replicas (see grpcTargetArg). */
  matcherTarget: string;
  logLevel: string;
  /** Deadline of every unary gRPC call, and of the first message of a watch. */
  rpcDeadlineMs: number;
  /** Longest a watch stream lasts; the client then opens a new one. */
  watchDeadlineMs: number;
  /** Time between `: keepalive` comments on an idle Server-Sent Events stream. */
  sseKeepaliveMs: number;
  /** Largest request body accepted. */
  bodyLimitBytes: number;
  http: GatewayHttpLimits;
  rateLimits: GatewayRateLimits;
  /**
   * HTTP/2 connections to the Matcher that carry watch streams (unary calls have their own); the
   * Matcher takes MATCHER_MAX_STREAMS_PER_CONNECTION (2000) streams on each.
   */
  watchChannels: number;
  /** Watch streams waiting for their cancellation to be sent; past it, new watches answer 503. */
  maxClosingWatches: number;
  shutdownDeadlineMs: number;
  telemetry: TelemetryConfig;
}

// The gateway never talks to Redis, so of the common variables it takes only LOG_LEVEL.
const gatewayEnv = {
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  ...telemetryEnv,
  GATEWAY_RPC_DEADLINE_MS: intVar(5000, 50, 120000),
  GATEWAY_WATCH_DEADLINE_SEC: intVar(3600, 1, 86400),
  GATEWAY_SSE_KEEPALIVE_MS: intVar(15000, 10, 600000),
  GATEWAY_BODY_LIMIT_BYTES: intVar(16384, 256, 1048576),
  GATEWAY_REQUEST_TIMEOUT_MS: intVar(10000, 100, 600000),
  GATEWAY_HEADERS_TIMEOUT_MS: intVar(5000, 100, 600000),
  GATEWAY_KEEPALIVE_TIMEOUT_MS: intVar(10000, 100, 600000),
  GATEWAY_SOCKET_IDLE_TIMEOUT_MS: intVar(60000, 100, 3600000),
  GATEWAY_MAX_CONNECTIONS: intVar(10000, 1, 1000000),
  GATEWAY_MAX_CONNECTIONS_PER_IP: intVar(256, 0, 1000000),
  GATEWAY_TRUST_PROXY: z
    .string()
    .regex(/^[A-Za-z0-9.:/]+(,[A-Za-z0-9.:/]+)*$/, 'must be comma-separated proxy addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1')
    .optional(),
  GATEWAY_RATE_WINDOW_MS: intVar(10000, 100, 3600000),
  GATEWAY_LOGIN_RATE_MAX: intVar(200, 0, 10000000),
  GATEWAY_WATCH_RATE_MAX: intVar(200, 0, 10000000),
  GATEWAY_WATCH_CHANNELS: intVar(8, 1, 64),
  GATEWAY_MAX_CLOSING_WATCHES: intVar(5000, 1, 1000000),
  SHUTDOWN_DEADLINE_MS: intVar(10000, 100, 120000),
};

/** Reads the gateway's flags and environment; throws ConfigError naming what is wrong. */
export function loadGatewayConfig(argv: string[], env: NodeJS.ProcessEnv): GatewayConfig {
  const program = withMetricsPort(serviceCommand('gateway', 'REST gateway: HTTP/JSON in front of the Matcher gRPC service'), 9401)
    .option('--port <port>', 'HTTP port (0 = any free port)', portArg, 8080)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .addOption(matcherOption())
    .addHelpText('after', `\nEnvironment: ${Object.keys(gatewayEnv).join(', ')}`)
    .parse(argv);
  const flags = program.opts<{ port: number; host: string; matcher: string; metricsPort: number }>();
  const e = parseEnv(gatewayEnv, env);
  if (e.GATEWAY_HEADERS_TIMEOUT_MS > e.GATEWAY_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid environment: GATEWAY_HEADERS_TIMEOUT_MS must be at most GATEWAY_REQUEST_TIMEOUT_MS');
  }
  // An open watch is quiet but for its keepalive comments, a unary call for up to its deadline.
  if (e.GATEWAY_SOCKET_IDLE_TIMEOUT_MS <= Math.max(e.GATEWAY_SSE_KEEPALIVE_MS, e.GATEWAY_RPC_DEADLINE_MS)) {
    throw new ConfigError('invalid environment: GATEWAY_SOCKET_IDLE_TIMEOUT_MS must exceed GATEWAY_SSE_KEEPALIVE_MS and GATEWAY_RPC_DEADLINE_MS');
  }
  return {
    host: flags.host,
    port: flags.port,
    matcherTarget: flags.matcher,
    logLevel: e.LOG_LEVEL,
    rpcDeadlineMs: e.GATEWAY_RPC_DEADLINE_MS,
    watchDeadlineMs: e.GATEWAY_WATCH_DEADLINE_SEC * 1000,
    sseKeepaliveMs: e.GATEWAY_SSE_KEEPALIVE_MS,
    bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
    http: {
      requestTimeoutMs: e.GATEWAY_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.GATEWAY_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.GATEWAY_KEEPALIVE_TIMEOUT_MS,
      socketIdleTimeoutMs: e.GATEWAY_SOCKET_IDLE_TIMEOUT_MS,
      maxConnections: e.GATEWAY_MAX_CONNECTIONS,
      maxConnectionsPerIp: e.GATEWAY_MAX_CONNECTIONS_PER_IP,
      trustProxy: e.GATEWAY_TRUST_PROXY,
    },
    rateLimits: {
      windowMs: e.GATEWAY_RATE_WINDOW_MS,
      loginsPerWindow: e.GATEWAY_LOGIN_RATE_MAX,
      watchOpensPerWindow: e.GATEWAY_WATCH_RATE_MAX,
    },
    watchChannels: e.GATEWAY_WATCH_CHANNELS,
    maxClosingWatches: e.GATEWAY_MAX_CLOSING_WATCHES,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    telemetry: telemetryConfig(flags.metricsPort, e),
  };
}
