import {
  TicketStatus,
  type Assignment,
  type DequeueResponse,
  type EnqueueResponse,
  type WatchAssignmentResponse,
} from '../gen/mini/matcher/v1/matcher.js';
import { ClientError, type ClientErrorKind } from './errors.js';

/** The Matcher calls findMatch needs (MatchmakingClient has them). */
export interface MatchmakingCalls {
  enqueue(mmr: number, signal?: AbortSignal): Promise<EnqueueResponse>;
  dequeue(signal?: AbortSignal): Promise<DequeueResponse>;
  watchAssignment(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined>;
}

const endedKinds: Partial<Record<TicketStatus, ClientErrorKind>> = {
  [TicketStatus.TICKET_STATUS_TIMED_OUT]: 'match_timed_out',
  [TicketStatus.TICKET_STATUS_DEQUEUED]: 'match_dequeued',
  [TicketStatus.TICKET_STATUS_ENDED]: 'match_ended',
};

// The Dequeue after an abort is a courtesy to the other players; it must not hold the caller up long.
const dequeueOnAbortMs = 3000;

/**
 * Enqueue, then watch until ASSIGNED and return the assignment. A player who is already assigned
 * gets their running game back. A ticket that vanished (NOT_QUEUED, e.g. Redis lost its data) is
 * queued again. See MatchmakingClient.findMatch for the errors.
 */
export async function findMatch(client: MatchmakingCalls, mmr: number, signal?: AbortSignal): Promise<Assignment> {
  try {
    await client.enqueue(mmr, signal);
    for await (const event of client.watchAssignment(signal)) {
      if (event.status === TicketStatus.TICKET_STATUS_ASSIGNED && event.assignment) return event.assignment;
      if (event.status === TicketStatus.TICKET_STATUS_NOT_QUEUED) await client.enqueue(mmr, signal);
      const ended = endedKinds[event.status];
      if (ended) throw new ClientError(ended, `matchmaking ended: ${TicketStatus[event.status]}`);
    }
    throw new ClientError('internal', 'assignment watch ended without a status');
  } catch (err) {
    if (signal?.aborted) await client.dequeue(AbortSignal.timeout(dequeueOnAbortMs)).catch(() => undefined);
    throw err;
  }
}
