import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { tracer } from '../shared/telemetry/trace-context.js';

type GatewayApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>;

/** Route label of requests no route matched, so that probes of random paths cannot grow the label set. */
const unmatchedRoute = 'unmatched';

/**
 * Traces and counts every HTTP request: a server span (continuing a `traceparent` the caller sent)
 * that is active while the route's handler runs, so the gRPC calls it makes join the same trace; and
 * requests by method, route pattern and status with their duration. Install before the routes.
 */
export function instrumentHttp(app: GatewayApp, registry: Registry): void {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (for event streams: the whole stream), by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook('onRequest', (request, reply, done) => {
    const startedMs = performance.now();
    const route = request.routeOptions.url ?? unmatchedRoute;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
    // 'close' comes for every response, also the event streams the handler takes over from fastify.
    reply.raw.once('close', () => {
      // Closed before an answer was sent: the client went away (nginx's 499).
      const status = reply.raw.headersSent ? reply.raw.statusCode : 499;
      requests.inc({ method: request.method, route, status: String(status) });
      duration.observe({ method: request.method, route }, (performance.now() - startedMs) / 1000);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    done();
  });

  app.addHook('onRoute', (routeOptions) => {
    const handler = routeOptions.handler;
    routeOptions.handler = function tracedHandler(request, reply) {
      const span = spans.get(request);
      const active = span ? trace.setSpan(context.active(), span) : context.active();
      return context.with(active, () => handler.call(this, request, reply));
    };
  });
}
