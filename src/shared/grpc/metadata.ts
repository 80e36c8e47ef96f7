/**
 * Metadata a front (the REST gateway) sets when the caller named a player id (the seed's
 * `player_id` body field): the Matcher refuses the call with PERMISSION_DENIED unless it is the
 * session's own player.
 */
export const expectedPlayerHeader = 'x-expected-player-id';
