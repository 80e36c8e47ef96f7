import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  slotFromJSON,
  ticketStatusFromJSON,
  type Assignment,
  type DequeueResponse,
  type EnqueueResponse,
  type TicketStatus,
  type WatchAssignmentResponse,
} from '../gen/mini/matcher/v1/matcher.js';

/**
 * A failed REST call as the client library's errors understand it: `code` is the gRPC status the
 * gateway names in its error body (or the one its HTTP status stands for), `details` the message.
 * toClientError and retryUnavailable read exactly these two fields.
 */
export class RestCallError extends Error {
  constructor(
    readonly code: GrpcStatus,
    readonly details: string,
    readonly httpStatus: number,
  ) {
    super(details);
    this.name = 'RestCallError';
  }
}

// For answers without the gateway's JSON error body (e.g. from a proxy in front of it).
const grpcOfHttp: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.NOT_FOUND,
  409: GrpcStatus.FAILED_PRECONDITION,
  429: GrpcStatus.RESOURCE_EXHAUSTED,
  502: GrpcStatus.UNAVAILABLE,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.DEADLINE_EXCEEDED,
};

/** The error for a gateway answer: its `{error, code}` body when there is one, else its HTTP status. */
export function restErrorOf(httpStatus: number, body: unknown): RestCallError {
  const { error, code } = (body ?? {}) as { error?: unknown; code?: unknown };
  const named = typeof code === 'string' ? (GrpcStatus as unknown as Record<string, number | undefined>)[code] : undefined;
  const status = named ?? grpcOfHttp[httpStatus] ?? GrpcStatus.UNKNOWN;
  return new RestCallError(status, typeof error === 'string' ? error : `HTTP ${httpStatus}`, httpStatus);
}

const statusOf = (name: unknown): TicketStatus => ticketStatusFromJSON(`TICKET_STATUS_${String(name)}`);

/** GET /match/status's body (and a watch event's `assignment`) as the proto Assignment. */
export function assignmentOfJson(json: Record<string, unknown>): Assignment {
  return {
    roomId: String(json.room_id ?? ''),
    roomAddr: String(json.room_addr ?? ''),
    opponentId: String(json.opponent_id ?? ''),
    connectToken: String(json.connect_token ?? ''),
    connectTokenExpiresAtMs: Number(json.connect_token_expires_at_ms ?? 0),
    slot: slotFromJSON(`SLOT_${String(json.slot)}`),
    assignedAtMs: Number(json.assigned_at_ms ?? 0),
    roomEpoch: Number(json.room_epoch ?? 0),
  };
}

/** One `event: status` of GET /match/watch as the proto WatchAssignmentResponse. */
export function watchResponseOfJson(json: Record<string, unknown>): WatchAssignmentResponse {
  const assignment = json.assignment;
  return {
    status: statusOf(json.status),
    assignment: assignment && typeof assignment === 'object' ? assignmentOfJson(assignment as Record<string, unknown>) : undefined,
    changedAtMs: Number(json.changed_at_ms ?? 0),
  };
}

export function enqueueResponseOfJson(json: Record<string, unknown>): EnqueueResponse {
  return { status: statusOf(json.status), created: Boolean(json.created) };
}

export function dequeueResponseOfJson(json: Record<string, unknown>): DequeueResponse {
  return { removed: Boolean(json.removed), status: statusOf(json.status) };
}
