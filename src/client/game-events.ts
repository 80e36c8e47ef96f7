import type { Assignment } from '../gen/mini/matcher/v1/matcher.js';
import type { RoomEvent, Snapshot, Welcome } from '../gen/mini/room/v1/packets.js';
import type { GameResult } from '../gen/mini/room/v1/registry.js';
import type { ClientError } from './errors.js';

/** Why a game client stopped for good (not counting close()). */
export interface GameOver {
  /**
   * `game_ended`: the room said so (GAME_ENDED, or it went quiet after an ENDED snapshot);
   * `assignment_gone`: on reconnect the Matcher had no assignment (NOT_FOUND) any more, or one for another room;
   * `room_gone`: the room refused the connect because the room is over or not there.
   */
  reason: 'game_ended' | 'assignment_gone' | 'room_gone';
  /** The room's result, when it told one. */
  result: GameResult | undefined;
}

/** What started a reconnect: the room went quiet, it said it moved to another server, or reconnect() was called. */
export type ReconnectReason = 'silence' | 'moved' | 'requested';

/** A finished reconnect. */
export interface Reconnected {
  reason: ReconnectReason;
  /** From the decision to reconnect to the first snapshot over the new link. */
  durationMs: number;
  welcome: Welcome;
}

/** Events of a GameClient, for a game UI. */
export interface GameClientEvents {
  /** An assignment from the Matcher: the first one, and the fresh one each reconnect fetches. */
  assigned: [Assignment];
  /** A Welcome: the first connect and every reconnect. */
  connected: [Welcome];
  /** Every newer snapshot, one per room tick. */
  snapshot: [Snapshot];
  opponentReconnecting: [RoomEvent];
  opponentReconnected: [RoomEvent];
  reconnecting: [{ reason: ReconnectReason }];
  reconnected: [Reconnected];
  ended: [GameOver];
  /** A reconnect failed for good (e.g. `reconnect_failed` past the deadline); reconnect() may try again. */
  error: [ClientError];
}
