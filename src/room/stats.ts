/**
 * Why a datagram was dropped or a connect refused. Every one is counted, so that abuse and bugs show
 * in the logs (and later in metrics) instead of vanishing.
 */
export type DropReason =
  /** Larger than the 1200-byte packet limit. */
  | 'oversized'
  /** Not a Packet, or not exactly one body. */
  | 'malformed'
  /** A packet only the server sends (Welcome, Snapshot, …). */
  | 'not_client_packet'
  /** A ConnectRequest smaller than the Challenge it asks for. */
  | 'unpadded_request'
  | 'token_malformed'
  | 'token_bad_signature'
  | 'token_expired'
  /** A token for another room server's address. */
  | 'wrong_server'
  /** A ConnectResponse whose cookie was not issued to that address and token, or is too old. */
  | 'bad_cookie'
  /** A token already used from another address. */
  | 'replayed_token'
  /** A token for a room that is not assigned to this server. */
  | 'wrong_room'
  /** A token for a room that is over. */
  | 'room_gone'
  /** A token whose seat belongs to another player. */
  | 'seat_taken'
  /** A connection id no room knows. */
  | 'unknown_connection'
  /** A known connection id from an address it is not bound to. */
  | 'wrong_address'
  /** A player sending with the opponent's connection id: inputs for the other paddle. */
  | 'other_paddle'
  /** An input batch with a bad direction, sequence or size. */
  | 'bad_input'
  /** The handler failed unexpectedly (a bug); the datagram was dropped and the room left as it was. */
  | 'internal';

/** The room server's counters, logged periodically by main. */
export class RoomServerStats {
  readonly drops = new Map<DropReason, number>();
  reconnectSuccess = 0;
  /** Reconnecting players who forfeited because the grace ran out. */
  reconnectFailed = 0;
  checkpointsWritten = 0;
  /** Checkpoints not written because Redis was unreachable. */
  checkpointsSkipped = 0;
  /** Checkpoint writes refused because another owner holds a newer state of the room. */
  checkpointsRefused = 0;
  restores = 0;
  lastRestoreMs = 0;
  gamesEnded = 0;

  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  /** The counters as log fields. */
  toJSON(): Record<string, unknown> {
    return {
      drops: Object.fromEntries(this.drops),
      reconnect_success_total: this.reconnectSuccess,
      reconnect_failed_total: this.reconnectFailed,
      checkpoints_written_total: this.checkpointsWritten,
      checkpoints_skipped_total: this.checkpointsSkipped,
      checkpoints_refused_total: this.checkpointsRefused,
      checkpoint_restores_total: this.restores,
      last_restore_ms: this.lastRestoreMs,
      games_ended_total: this.gamesEnded,
    };
  }
}
