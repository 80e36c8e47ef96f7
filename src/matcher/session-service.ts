import type { Logger } from 'pino';
import { SessionsService, type SessionsServer } from '../gen/mini/session/v1/session.js';
import { bearerToken, unary, type CallContext } from '../shared/grpc/handlers.js';
import type { GrpcService } from '../shared/grpc/server.js';
import type { SessionStore } from './session-store.js';

/** The Sessions RPCs: device login and revocation. */
export function sessionService(sessions: SessionStore, now: () => number, log: Logger): GrpcService {
  const caller = async (ctx: CallContext): Promise<{ playerId: string; token: string }> => {
    const token = bearerToken(ctx.metadata);
    const playerId = await sessions.authenticate(token, now());
    return { playerId, token: token! };
  };
  const implementation: SessionsServer = {
    authenticateDevice: unary(log, 'AuthenticateDevice', async (request) => {
      const { created, ...issued } = await sessions.authenticateDevice(request.deviceId, now());
      if (created) log.info({ player_id: issued.playerId }, 'new player');
      // Never says whether the device id existed: that would help whoever guesses ids.
      return { ...issued, created: false };
    }),

    revokeSession: unary(log, 'RevokeSession', async (_request, ctx) => {
      const { playerId, token } = await caller(ctx);
      await sessions.revoke(playerId, now(), token);
      return {};
    }),

    revokeAllSessions: unary(log, 'RevokeAllSessions', async (_request, ctx) => {
      const { playerId } = await caller(ctx);
      const revoked = await sessions.revoke(playerId, now());
      log.info({ player_id: playerId, revoked }, 'every session of the player revoked');
      return { revoked };
    }),
  };
  return { name: 'mini.session.v1.Sessions', definition: SessionsService, implementation };
}
