import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs on stdout, one line each, with the service name on every line and, inside a
 * traced operation, its `trace_id` and `span_id` (to find the trace of a log line in Jaeger).
 */
export function createLogger(service: string, level: string, destination: DestinationStream = pino.destination(1)): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, mixin: traceFields }, destination);
}

function traceFields(): object {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** Logs where a service listens; printed at any log level, since operators and scripts rely on it. */
export function announceListening(log: Logger, service: string, host: string, port: number, fields: object = {}): void {
  log.child({}, { level: 'info' }).info({ host, port, ...fields }, `${service} listening on ${host}:${port}`);
}
