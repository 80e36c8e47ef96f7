import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { FastifyContextConfig, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { grpcError } from './http-status.js';

/** Clients (addresses) remembered at once; a least recently seen one is forgotten past it. */
const trackedClients = 100_000;

/**
 * Installs @fastify/rate-limit for the routes that ask for it (routeRateLimit): counted per client
 * address (request.ip, which names the client behind a trusted proxy), in this process's memory.
 */
export async function installRateLimits(app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    // The X-RateLimit-* headers are left out: Retry-After, on a 429, is what clients act on.
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
}

/**
 * Route config allowing `max` requests per client per window (0 = no limit); over it the answer is
 * 429 RESOURCE_EXHAUSTED with Retry-After (the seconds until the window ends), by the status table.
 */
export function routeRateLimit(max: number, windowMs: number, what: string): FastifyContextConfig {
  if (max === 0) return {};
  const rateLimit: RateLimitOptions = {
    max,
    timeWindow: windowMs,
    // Each route keeps its own counts (the plugin's option does not reach them).
    cache: trackedClients,
    errorResponseBuilder: (_request, context) =>
      grpcError(GrpcStatus.RESOURCE_EXHAUSTED, `too many ${what} from this address, retry in ${context.after}`),
  };
  return { rateLimit };
}
