import type { Logger } from 'pino';
import { SessionsService, type SessionsServer } from '../gen/mini/session/v1/session.js';
import { AppError } from '../shared/errors.js';
import { bearerToken, unary } from '../shared/grpc/handlers.js';
import type { GrpcService } from '../shared/grpc/server.js';
import type { SessionStore } from './session-store.js';

/** The Sessions RPCs: device login and revocation. */
export function sessionService(sessions: SessionStore, now: () => number, log: Logger): GrpcService {
  const implementation: SessionsServer = {
    authenticateDevice: unary(log, 'AuthenticateDevice', async (request) => {
      const issued = await sessions.authenticateDevice(request.deviceId, now());
      if (issued.created) log.info({ player_id: issued.playerId }, 'new player');
      return issued;
    }),

    revokeSession: unary(log, 'RevokeSession', async (_request, ctx) => {
      const token = bearerToken(ctx.metadata);
      await sessions.authenticate(token, now());
      if (token === undefined) throw new AppError('unauthenticated', 'missing session token');
      await sessions.revoke(token);
      return {};
    }),
  };
  return { name: 'mini.session.v1.Sessions', definition: SessionsService, implementation };
}
