import { commonEnv, intVar, parseEnv } from './env.js';
import { matcherOption, portArg, serviceCommand } from './cli.js';
import { telemetryConfig, telemetryEnv, withMetricsPort, type TelemetryConfig } from './telemetry.js';

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
  return {
    host: flags.host,
    port: flags.port,
    matcherTarget: flags.matcher,
    logLevel: e.LOG_LEVEL,
    rpcDeadlineMs: e.GATEWAY_RPC_DEADLINE_MS,
    watchDeadlineMs: e.GATEWAY_WATCH_DEADLINE_SEC * 1000,
    sseKeepaliveMs: e.GATEWAY_SSE_KEEPALIVE_MS,
    bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    telemetry: telemetryConfig(flags.metricsPort, e),
  };
}
