import type { Metadata } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Link,
  type TextMapGetter,
} from '@opentelemetry/api';

/** The tracer every part of the project records its spans with (a no-op until tracing is started). */
export const tracer = trace.getTracer('mini-match');

const metadataGetter: TextMapGetter<Metadata> = {
  get: (carrier, key) => carrier.get(key).map(String),
  keys: (carrier) => Object.keys(carrier.getMap()),
};

/**
 * Outgoing gRPC metadata carrying the trace context (W3C `traceparent`): a copy with it added, so a
 * caller's shared metadata is never changed; the same object when there is nothing to carry
 * (tracing off), so an untraced call copies nothing.
 */
export function withTraceContext(metadata: Metadata, from: Context = context.active()): Metadata {
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  const entries = Object.entries(headers);
  if (entries.length === 0) return metadata;
  const outgoing = metadata.clone();
  for (const [key, value] of entries) outgoing.set(key, value);
  return outgoing;
}

/** The trace context a gRPC call carries in its metadata (the root context when it carries none). */
export function extractFromMetadata(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

/**
 * The active span's context as a W3C `traceparent` string, to be stored (in Redis, in a token) and
 * linked to later by an asynchronous step; '' when there is no recording span.
 */
export function currentTraceParent(from: Context = context.active()): string {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier.traceparent ?? '';
}

/** A link to the span a stored `traceparent` names; none for '' or a malformed value. */
export function linksTo(traceParent: string | undefined): Link[] {
  if (!traceParent) return [];
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: traceParent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}
