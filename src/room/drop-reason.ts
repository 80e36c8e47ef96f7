/**
 * Why a datagram was dropped or a connect refused. Every one is counted, so that abuse and bugs show
 * in the metrics and the logs instead of vanishing.
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
  /** A token for an earlier placement of a room that has since moved to another server. */
  | 'room_moved'
  /** A connect to a room that moved here while Redis (its checkpoint) is unreachable: no answer, the client retries. */
  | 'redis_unavailable'
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

// A Record, so that the compiler insists on every reason.
const everyReason: Record<DropReason, true> = {
  oversized: true,
  malformed: true,
  not_client_packet: true,
  unpadded_request: true,
  token_malformed: true,
  token_bad_signature: true,
  token_expired: true,
  wrong_server: true,
  bad_cookie: true,
  replayed_token: true,
  wrong_room: true,
  room_gone: true,
  room_moved: true,
  redis_unavailable: true,
  seat_taken: true,
  unknown_connection: true,
  wrong_address: true,
  other_paddle: true,
  bad_input: true,
  internal: true,
};

/** Every drop reason, to create each metric series at start. */
export const dropReasons = Object.keys(everyReason) as DropReason[];
