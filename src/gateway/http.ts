import { LogController, fastify, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayHttpLimits } from '../shared/config/gateway.js';
import { limitConnections } from './connection-limits.js';
import { httpErrorOfGrpc, isServiceError, type HttpError } from './http-status.js';
import { instrumentHttp } from './http-telemetry.js';
import { installRateLimits } from './rate-limits.js';
import { LogThrottle } from '../shared/log-throttle.js';

export interface HttpOptions {
  bodyLimitBytes: number;
  limits: GatewayHttpLimits;
  log: Logger;
  /** Where request counts and durations go. */
  registry: Registry;
}

/**
 * How often Node looks for requests past their headers or request time-out (its default, 30 s,
 * would let a slow client hold a connection that much longer than the time-out says).
 */
const timeoutCheckIntervalMs = 1000;

/** One access log line per request, at debug: at info it would drown everything else. */
class AccessLogAtDebug extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  }
}

/**
 * The fastify server with the gateway's error shape everywhere: `{"error","code"}` for gRPC
 * failures (by the status table), invalid requests, rate limits and unknown routes; every request
 * traced and counted; slow and idle clients timed out, and connections capped.
 */
export async function createHttpServer(options: HttpOptions) {
  const { limits } = options;
  const app = fastify({
    loggerInstance: options.log,
    logController: new AccessLogAtDebug(),
    bodyLimit: options.bodyLimitBytes,
    // No type coercion: {"mmr":"1200"} or {"device_id":5} is a client bug, answered 400.
    ajv: { customOptions: { coerceTypes: false } },
    // A request (headers and body) past its time-out is answered 408 and its connection closed.
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: timeoutCheckIntervalMs },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.socketIdleTimeoutMs,
    trustProxy: limits.trustProxy ?? false,
  });
  limitConnections(app.server, limits, options.registry);

  instrumentHttp(app, options.registry);
  await installRateLimits(app);

  const outages = new LogThrottle(5000);
  app.setErrorHandler((err, request, reply) => {
    const mapped = isServiceError(err) ? httpErrorOfGrpc(err) : requestError(err);
    // A 500 is a bug; 503 and 504 are an outage, which the Matcher's own logs explain.
    if (mapped.statusCode === 500) request.log.error({ err, url: request.url }, 'request failed');
    else if (mapped.statusCode > 500) {
      // An outage fails every request alike: one line per 5 s says so.
      const line = outages.take();
      if (line) request.log.warn({ code: mapped.body.code, url: request.url, suppressed: line.suppressed }, 'upstream unavailable');
    }
    return reply.code(mapped.statusCode).headers(mapped.headers).send(mapped.body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' }),
  );
  return app;
}

export type HttpServer = Awaited<ReturnType<typeof createHttpServer>>;

/** Errors fastify raises itself: schema validation, malformed JSON, too large a body, wrong media type. */
function requestError(err: unknown): HttpError {
  const { statusCode = 500, validation, message, code } = err instanceof Error ? (err as FastifyError) : {};
  if (statusCode >= 500) return { statusCode: 500, headers: {}, body: { error: 'internal error', code: 'INTERNAL' } };
  const error = validation
    ? `invalid request: ${message}`
    : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? 'unsupported media type: send Content-Type: application/json'
      : (message ?? 'bad request');
  return { statusCode, headers: {}, body: { error, code: statusCode === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT' } };
}
