import { createRequire } from 'node:module';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { TimeLeft } from '../lifecycle.js';

/** Spans still buffered get at most this long to reach the collector, and never past the deadline. */
const flushMs = 1000;
/** Kept back from the flush so that the process exits before the shutdown deadline fires. */
const exitMarginMs = 50;

export interface Tracing {
  /** Flushes spans still buffered, for at most a second and within what is left of the shutdown deadline; never throws. */
  shutdown(timeLeft: TimeLeft): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` of every span (OTEL_SERVICE_NAME overrides it). */
  service: string;
  enabled: boolean;
  /** Where spans go; default: the OTLP exporter configured by the OTEL_* variables, batched. */
  spanProcessors?: SpanProcessor[];
}

/**
 * Starts OpenTelemetry tracing: W3C trace context propagation, spans for every Redis command
 * (ioredis instrumentation) under the span that issued it, export over OTLP in the background (a
 * collector that is down costs dropped spans, never a blocked or failed request). Metrics stay with
 * Prometheus and logs with stdout, so only traces are exported. Disabled: nothing is installed and
 * every span is a no-op.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (!options.enabled) return { shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: options.service,
    instrumentations: [new IORedisInstrumentation({ requireParentSpan: true })],
    spanProcessors: options.spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // ioredis is CommonJS: an ESM import of it bypasses the require hook the instrumentation waits on,
  // so require it once here; the instrumentation then patches its prototype for every importer.
  createRequire(import.meta.url)('ioredis');
  return {
    shutdown: async (timeLeft) => {
      const budgetMs = Math.min(flushMs, Math.max(0, timeLeft() - exitMarginMs));
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, budgetMs).unref());
      await Promise.race([sdk.shutdown().catch(() => {}), deadline]);
    },
  };
}
