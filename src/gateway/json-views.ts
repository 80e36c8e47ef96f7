import { slotToJSON, ticketStatusToJSON, type Assignment, type TicketStatus, type WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import type { AuthenticateDeviceResponse } from '../gen/mini/session/v1/session.js';

/** The REST shape of an assignment (GET /match/status and watch events). */
export interface AssignmentJson {
  room_id: string;
  room_addr: string;
  opponent_id: string;
  connect_token: string;
  connect_token_expires_at_ms: number;
  slot: string;
  assigned_at_ms: number;
  room_epoch: number;
}

/** A ticket status by its enum name without the prefix: QUEUED, ASSIGNED, … */
export function statusName(status: TicketStatus): string {
  return ticketStatusToJSON(status).replace(/^TICKET_STATUS_/, '');
}

export function assignmentJson(a: Assignment): AssignmentJson {
  return {
    room_id: a.roomId,
    room_addr: a.roomAddr,
    opponent_id: a.opponentId,
    connect_token: a.connectToken,
    connect_token_expires_at_ms: a.connectTokenExpiresAtMs,
    slot: slotToJSON(a.slot).replace(/^SLOT_/, ''),
    assigned_at_ms: a.assignedAtMs,
    room_epoch: a.roomEpoch,
  };
}

export function sessionJson(s: AuthenticateDeviceResponse) {
  return { player_id: s.playerId, token: s.token, expires_at_ms: s.expiresAtMs, created: s.created };
}

/** The data of one `event: status` on GET /match/watch. */
export function watchEventJson(m: WatchAssignmentResponse) {
  return {
    status: statusName(m.status),
    assignment: m.assignment ? assignmentJson(m.assignment) : null,
    changed_at_ms: m.changedAtMs,
  };
}
