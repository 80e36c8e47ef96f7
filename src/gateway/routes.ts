import { Metadata, status } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { GatewayRateLimits } from '../shared/config/gateway.js';
import { expectedPlayerHeader } from '../shared/grpc/metadata.js';
import { grpcError } from './http-status.js';
import type { HttpServer } from './http.js';
import { assignmentJson, sessionJson, statusName } from './json-views.js';
import type { MatcherRpc } from './matcher-rpc.js';
import { routeRateLimit } from './rate-limits.js';
import type { WatchRelay } from './watch-relay.js';

const sessionBody = {
  type: 'object',
  required: ['device_id'],
  properties: { device_id: { type: 'string' } },
} as const;

const enqueueBody = {
  type: 'object',
  required: ['mmr'],
  // The Matcher checks the region's name (INVALID_ARGUMENT → 400); the length cap only bounds the body.
  properties: { mmr: { type: 'number' }, region: { type: 'string', maxLength: 64 }, player_id: { type: 'string' } },
} as const;

const dequeueBody = {
  type: ['object', 'null'],
  properties: { player_id: { type: 'string' } },
} as const;

const unreachableBody = {
  type: 'object',
  required: ['room_id'],
  properties: { room_id: { type: 'string', maxLength: 64 } },
} as const;

interface SessionBody {
  device_id: string;
}
interface EnqueueBody {
  mmr: number;
  /** Absent or '' = the default region. */
  region?: string;
  player_id?: string;
}
interface DequeueBody {
  player_id?: string;
}
interface UnreachableBody {
  room_id: string;
}

/**
 * The REST API: each route is one Matcher or Sessions RPC. Range checks are the Matcher's; logins
 * and watch opens are rate-limited per client.
 */
export function registerRoutes(app: HttpServer, rpc: MatcherRpc, watches: WatchRelay, limits: GatewayRateLimits): void {
  app.get('/healthz', async () => ({ ok: true }));

  const loginLimit = routeRateLimit(limits.loginsPerWindow, limits.windowMs, 'logins');
  app.post<{ Body: SessionBody }>('/session', { schema: { body: sessionBody }, config: loginLimit }, async (request) =>
    sessionJson(await rpc.authenticateDevice({ deviceId: request.body.device_id })),
  );

  app.delete('/session', async (request, reply) => {
    await rpc.revokeSession({}, callMetadata(request));
    return reply.code(204).send();
  });

  app.delete('/sessions', async (request) => {
    const { revoked } = await rpc.revokeAllSessions({}, callMetadata(request));
    return { revoked };
  });

  app.post<{ Body: EnqueueBody }>('/match/enqueue', { schema: { body: enqueueBody } }, async (request) => {
    const { mmr, region, player_id: playerId } = request.body;
    const result = await rpc.enqueue({ mmr, region }, callMetadata(request, playerId));
    return { status: statusName(result.status), created: result.created };
  });

  app.post<{ Body: DequeueBody | undefined }>('/match/dequeue', { schema: { body: dequeueBody } }, async (request) => {
    const result = await rpc.dequeue({}, callMetadata(request, request.body?.player_id));
    return { removed: result.removed, status: statusName(result.status) };
  });

  app.get('/match/status', async (request) => {
    const { assignment } = await rpc.getAssignment({}, callMetadata(request));
    if (!assignment) throw new Error('GetAssignment answered without an assignment');
    return assignmentJson(assignment);
  });

  app.post<{ Body: UnreachableBody }>('/match/unreachable', { schema: { body: unreachableBody } }, async (request) => {
    const result = await rpc.reportRoomUnreachable({ roomId: request.body.room_id }, callMetadata(request));
    return { server_replaced: result.serverReplaced };
  });

  // No HEAD twin: it would hold a stream open only to discard it.
  const watchLimit = routeRateLimit(limits.watchOpensPerWindow, limits.windowMs, 'watches');
  app.get('/match/watch', { exposeHeadRoute: false, config: watchLimit }, (request, reply) => watches.relay(callMetadata(request), reply));
}

/** What gRPC metadata can carry: printable ASCII (anything else makes grpc-js throw). */
const printableAscii = /^[\x20-\x7e]*$/;

/**
 * The caller's `Authorization` header (and the player id it claims, if any) as gRPC metadata. A
 * value metadata cannot carry is refused as the Matcher would refuse it: 401 for the token, 400 for
 * the player id.
 */
function callMetadata(request: FastifyRequest, expectedPlayerId?: string): Metadata {
  const metadata = new Metadata();
  const authorization = request.headers.authorization;
  if (authorization !== undefined && !printableAscii.test(authorization)) throw grpcError(status.UNAUTHENTICATED, 'malformed Authorization header');
  if (expectedPlayerId !== undefined && !printableAscii.test(expectedPlayerId)) throw grpcError(status.INVALID_ARGUMENT, 'player_id must be printable ASCII');
  if (authorization !== undefined) metadata.set('authorization', authorization);
  if (expectedPlayerId !== undefined) metadata.set(expectedPlayerHeader, expectedPlayerId);
  return metadata;
}
