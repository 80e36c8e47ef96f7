import { Assignment, Slot, TicketStatus } from '../gen/mini/matcher/v1/matcher.js';
import { signConnectToken } from '../shared/connect-token.js';
import { currentTraceParent } from '../shared/telemetry/trace-context.js';
import type { AssignmentRecord, TicketState } from './ticket-store.js';

export const ticketStatusOfState: Record<TicketState, TicketStatus> = {
  not_queued: TicketStatus.TICKET_STATUS_NOT_QUEUED,
  queued: TicketStatus.TICKET_STATUS_QUEUED,
  assigned: TicketStatus.TICKET_STATUS_ASSIGNED,
  timed_out: TicketStatus.TICKET_STATUS_TIMED_OUT,
  dequeued: TicketStatus.TICKET_STATUS_DEQUEUED,
  ended: TicketStatus.TICKET_STATUS_ENDED,
};

/** Signs connect tokens into assignments: each view carries a fresh, short-lived token. */
export class AssignmentSigner {
  constructor(
    private readonly tokenKey: Buffer,
    private readonly tokenTtlSec: number,
  ) {}

  /** The proto Assignment for a stored assignment, with a new connect token for the player. */
  view(playerId: string, record: AssignmentRecord, nowMs: number): Assignment {
    const slot = record.slot === 'left' ? Slot.SLOT_LEFT : Slot.SLOT_RIGHT;
    const expiresAtMs = nowMs + this.tokenTtlSec * 1000;
    const connectToken = signConnectToken(
      {
        playerId,
        roomId: record.roomId,
        serverAddr: record.addr,
        slot,
        opponentId: record.opponentId,
        issuedAtMs: nowMs,
        expiresAtMs,
        traceParent: currentTraceParent(),
        roomEpoch: record.epoch,
      },
      this.tokenKey,
    );
    return {
      roomId: record.roomId,
      roomAddr: record.addr,
      opponentId: record.opponentId,
      connectToken,
      connectTokenExpiresAtMs: expiresAtMs,
      slot,
      assignedAtMs: record.assignedAtMs,
      roomEpoch: record.epoch,
    };
  }
}
