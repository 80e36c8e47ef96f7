import { z } from 'zod';
import type { Command } from 'commander';
import { portArg } from './cli.js';

/** What every service is configured with for metrics and traces. */
export interface TelemetryConfig {
  /** HTTP port of the Prometheus `/metrics` endpoint (0 = any free port), on the service's host. */
  metricsPort: number;
  /**
   * Whether spans are exported over OTLP: only when an endpoint is set (the exporter itself reads the
   * standard OTEL_* variables: endpoint, headers, protocol, service name, sampler).
   */
  tracingEnabled: boolean;
}

/** The standard OpenTelemetry variables this project acts on (the SDK reads the rest itself). */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
};

/** Adds `--metrics-port` to a service's command. */
export function withMetricsPort(command: Command, defaultPort: number): Command {
  return command.option('--metrics-port <port>', 'Prometheus /metrics HTTP port (0 = any free port)', portArg, defaultPort);
}

export function telemetryConfig(metricsPort: number, e: z.infer<z.ZodObject<typeof telemetryEnv>>): TelemetryConfig {
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT;
  return { metricsPort, tracingEnabled: endpoint !== undefined && e.OTEL_SDK_DISABLED !== 'true' };
}
