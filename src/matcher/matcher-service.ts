import type { Logger } from 'pino';
import {
  MatcherService,
  type MatcherServer,
  type EnqueueRequest,
  type EnqueueResponse,
  type WatchAssignmentResponse,
} from '../gen/mini/matcher/v1/matcher.js';
import { AppError } from '../shared/errors.js';
import { isRedisUnavailable } from '../shared/redis/errors.js';
import { regionOf } from '../shared/region.js';
import { bearerToken, serverStream, unary, type CallContext } from '../shared/grpc/handlers.js';
import { expectedPlayerHeader } from '../shared/grpc/metadata.js';
import type { GrpcService } from '../shared/grpc/server.js';
import { currentTraceParent } from '../shared/telemetry/trace-context.js';
import { AssignmentSigner, ticketStatusOfState } from './assignment-view.js';
import type { FailoverLoop } from './failover-loop.js';
import type { SessionStore } from './session-store.js';
import type { TicketStore, TicketView } from './ticket-store.js';
import type { WatchHub } from './watch-hub.js';

/** Highest MMR accepted; anything above is a client bug or an attack, not a rating. */
const maxMmr = 100000;

/** How soon a watch re-reads after Redis failed to answer. */
const watchRetryMs = 250;

const terminalStates = new Set(['timed_out', 'dequeued', 'ended']);

const roomIdPattern = /^[A-Za-z0-9-]{1,64}$/;

export interface MatcherDeps {
  sessions: SessionStore;
  tickets: TicketStore;
  hub: WatchHub;
  signer: AssignmentSigner;
  failover: FailoverLoop;
  /** Called after a player is newly queued, to run a matching pass soon. */
  onEnqueued: () => void;
  now: () => number;
  log: Logger;
}

/** The Matcher RPCs: thin handlers over the ticket store, each acting as the session's player. */
export function matcherService(deps: MatcherDeps): GrpcService {
  const { sessions, tickets, hub, signer, failover, now, log } = deps;
  const player = async (ctx: CallContext): Promise<string> => {
    const playerId = await sessions.authenticate(bearerToken(ctx.metadata), now());
    const expected = ctx.metadata.get(expectedPlayerHeader)[0];
    if (expected !== undefined && expected !== playerId) {
      throw new AppError('permission_denied', 'player_id does not match the session: a player can only act as themself');
    }
    return playerId;
  };

  const statusMessage = (playerId: string, view: TicketView): WatchAssignmentResponse => ({
    status: ticketStatusOfState[view.state],
    assignment: view.assignment ? signer.view(playerId, view.assignment, now()) : undefined,
    changedAtMs: view.changedAtMs,
  });

  /** The player's view when it differs from `last`, once replicas hold it; `last` when nothing changed. */
  const readConfirmedChange = async (playerId: string, last: TicketView): Promise<TicketView> => {
    const current = await tickets.read(playerId);
    if (!sameView(current, last)) await tickets.confirmRead(playerId, current);
    return current;
  };

  const implementation: MatcherServer = {
    enqueue: unary(log, 'Enqueue', async (request: EnqueueRequest, ctx): Promise<EnqueueResponse> => {
      const playerId = await player(ctx);
      validateMmr(request.mmr);
      const region = regionOf(request.region ?? '');
      const result = await tickets.enqueue(playerId, request.mmr, region, now(), currentTraceParent());
      if (result.created) deps.onEnqueued();
      return { status: ticketStatusOfState[result.state], created: result.created };
    }),

    dequeue: unary(log, 'Dequeue', async (_request, ctx) => {
      const playerId = await player(ctx);
      const removed = await tickets.dequeue(playerId, now());
      const view = await tickets.read(playerId);
      return { removed, status: ticketStatusOfState[view.state] };
    }),

    getAssignment: unary(log, 'GetAssignment', async (_request, ctx) => {
      const playerId = await player(ctx);
      const view = await tickets.read(playerId);
      if (!view.assignment) throw new AppError('not_found', 'no current assignment');
      await tickets.confirmRead(playerId, view);
      return { assignment: signer.view(playerId, view.assignment, now()) };
    }),

    reportRoomUnreachable: unary(log, 'ReportRoomUnreachable', async (request, ctx) => {
      const playerId = await player(ctx);
      if (!roomIdPattern.test(request.roomId)) throw new AppError('invalid_argument', 'room_id is missing or malformed');
      const { region } = await tickets.playerRegion(playerId);
      const { current, serverReplaced } = region === null ? { current: false, serverReplaced: false } : await failover.report(playerId, region, request.roomId);
      if (!current) throw new AppError('failed_precondition', 'room_id is not your current room: get the assignment again');
      log.info({ player_id: playerId, room_id: request.roomId, server_replaced: serverReplaced }, 'room server reported unreachable');
      return { serverReplaced };
    }),

    watchAssignment: serverStream(log, 'WatchAssignment', async function* (_request, ctx) {
      const playerId = await player(ctx);
      const watch = hub.watch(playerId, ctx.signal);
      try {
        let last = await tickets.read(playerId);
        await tickets.confirmRead(playerId, last);
        yield statusMessage(playerId, last);
        for await (const _ of watch) {
          // A revoked (or expired) session ends its watches at once: revocation wakes them.
          await player(ctx).catch((err: unknown) => {
            if (!isRedisUnavailable(err)) throw err;
          });
          // Redis is away (or replicas do not confirm what was read): keep the stream open and look again shortly.
          const current = await readConfirmedChange(playerId, last).catch((err: unknown) => {
            if (!isRedisUnavailable(err)) throw err;
            watch.wakeAfter(watchRetryMs);
            return last;
          });
          if (sameView(current, last)) continue;
          last = current;
          yield statusMessage(playerId, current);
          if (terminalStates.has(current.state)) return;
        }
      } finally {
        watch.close();
      }
    }),
  };
  return { name: 'mini.matcher.v1.Matcher', definition: MatcherService, implementation };
}

function validateMmr(mmr: number): void {
  if (!Number.isFinite(mmr) || mmr < 0 || mmr > maxMmr) {
    throw new AppError('invalid_argument', `mmr must be a finite number from 0 to ${maxMmr}`);
  }
}

/** Equal when a watcher has nothing new to learn; a moved room (new address, new epoch) is news. */
function sameView(a: TicketView, b: TicketView): boolean {
  return (
    a.state === b.state &&
    a.changedAtMs === b.changedAtMs &&
    a.assignment?.roomId === b.assignment?.roomId &&
    a.assignment?.addr === b.assignment?.addr &&
    a.assignment?.epoch === b.assignment?.epoch
  );
}
