import type { Assignment } from '../gen/mini/matcher/v1/matcher.js';
import { RefusedReason } from '../gen/mini/room/v1/packets.js';
import { backoffDelayMs, delay, type BackoffPolicy } from './backoff.js';
import { abortedError, ClientError, RefusedError } from './errors.js';
import type { GameOver } from './game-events.js';
import { RoomLink, type RoomLinkOptions } from './room-link.js';

/** Where a game client gets its assignments: the MatchmakingClient. */
export interface AssignmentSource {
  /** The current assignment with a fresh connect token, or undefined when there is none (NOT_FOUND). */
  getAssignment(signal?: AbortSignal): Promise<Assignment | undefined>;
  findMatch(mmr: number, signal?: AbortSignal): Promise<Assignment>;
  /**
   * Tells the Matcher the room's server cannot be reached (a hint that may move the room sooner).
   * Best effort: it resolves either way.
   */
  reportUnreachable(roomId: string, signal?: AbortSignal): Promise<void>;
}

/** How connecting to a room is retried. */
export interface AttachOptions extends RoomLinkOptions {
  /** Backoff between connect attempts. */
  backoff: BackoffPolicy;
  /** Longest a connect or reconnect keeps trying (fresh tokens, new handshakes) before it fails. */
  connectDeadlineMs: number;
}

/** Who may stop an attach, the error its deadline gives, and a hook for each fetched assignment. */
export interface AttachControl {
  controller: AbortController;
  /** On a reconnect: the game's room. An assignment to another room means that game is over for this player. */
  roomId?: string;
  signal?: AbortSignal;
  timeoutKind: 'connect_timeout' | 'reconnect_failed';
  onAssigned(assignment: Assignment): void;
}

/**
 * Gets a player into their room: handshakes with `first` (or a fresh assignment when there is none)
 * on a new socket, and after a handshake time-out, a taken seat or a room that moved, backs off and
 * tries again with a fresh assignment from the Matcher (which has the room's new server once it
 * moved), until the deadline. A server that does not answer is reported to the Matcher. Resolves
 * with the link, or with a GameOver when the Matcher has no assignment any more or the room is
 * gone. Rejects with a ClientError.
 */
export async function attachToRoom(
  source: AssignmentSource,
  first: Assignment | undefined,
  options: AttachOptions,
  control: AttachControl,
): Promise<RoomLink | GameOver> {
  const { controller } = control;
  const signals = [controller.signal, AbortSignal.timeout(options.connectDeadlineMs)];
  if (control.signal) signals.push(control.signal);
  const signal = AbortSignal.any(signals);
  let assignment = first;
  try {
    for (let attempt = 0; ; attempt++) {
      if (!assignment) {
        assignment = await source.getAssignment(signal);
        if (!assignment || (control.roomId !== undefined && assignment.roomId !== control.roomId)) return { reason: 'assignment_gone', result: undefined };
        control.onAssigned(assignment);
      }
      try {
        const link = await RoomLink.open(assignment.roomAddr, assignment.connectToken, options, signal);
        if (!signal.aborted) return link;
        link.drop();
        throw abortedError(signal);
      } catch (err) {
        if (err instanceof RefusedError && err.reason === RefusedReason.REFUSED_REASON_ROOM_GONE) return { reason: 'room_gone', result: undefined };
        if (!isWorthAnotherTry(err)) throw err;
        if (isUnreachable(err)) void source.reportUnreachable(assignment.roomId, signal);
      }
      assignment = undefined;
      await delay(backoffDelayMs(attempt, options.backoff, Math.random()), signal);
    }
  } catch (err) {
    const stoppedByCaller = controller.signal.aborted || control.signal?.aborted;
    if (!signal.aborted || stoppedByCaller) throw err;
    throw new ClientError(control.timeoutKind, `not connected within ${options.connectDeadlineMs} ms`, { cause: err });
  }
}

// A handshake time-out, an unreachable address, a seat held from the old address or a room that moved
// may all clear up with a fresh token (maybe for another server); a refusal for any other reason is final.
function isWorthAnotherTry(err: unknown): boolean {
  if (err instanceof RefusedError) return err.reason === RefusedReason.REFUSED_REASON_SEAT_TAKEN || err.reason === RefusedReason.REFUSED_REASON_ROOM_MOVED;
  return isUnreachable(err);
}

function isUnreachable(err: unknown): boolean {
  return !(err instanceof RefusedError) && err instanceof ClientError && (err.kind === 'connect_timeout' || err.kind === 'unavailable');
}
