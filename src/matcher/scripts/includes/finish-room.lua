-- finish_room: ends a room for good (included by end-room and move-rooms). Deletes the players'
-- room_map when it is still this room, records an ENDED outcome for each unless they have moved on
-- (queued again in the region, or in another room), wakes their watchers, marks room:<id>:info ended with a TTL,
-- frees the room's place on its server and appends the result to the results stream.
--   info: { addr, left_id, right_id } of the room
--   e:    { prefix (the region prefix), now, outcome_ttl, channel, reason, winner, scores (JSON), ticks, ended_ttl,
--           results_key, load_key }
local function finish_room(room_id, info_key, info, e)
  local prefix = e.prefix
  for _, player in ipairs({ info.left_id, info.right_id }) do
    if player and player ~= '' then
      local map = prefix .. 'room_map:' .. player
      local current = redis.call('HGET', map, 'room_id')
      if current == room_id then
        redis.call('DEL', map)
      end
      if (current == room_id or not current) and redis.call('EXISTS', prefix .. 'match:ticket:' .. player) == 0 then
        local outcome = prefix .. 'match:outcome:' .. player
        redis.call('HSET', outcome, 'status', 'ended', 'changed_at', e.now, 'room_id', room_id)
        redis.call('EXPIRE', outcome, e.outcome_ttl)
      end
      redis.call('PUBLISH', e.channel, player)
    end
  end
  redis.call('HSET', info_key, 'status', 'ended', 'player_count', 0, 'ended_at', e.now, 'end_reason', e.reason,
    'winner_id', e.winner)
  redis.call('EXPIRE', info_key, e.ended_ttl)
  local rooms = prefix .. 'room_server:' .. info.addr .. ':rooms'
  redis.call('SREM', rooms, room_id)
  if redis.call('ZSCORE', e.load_key, info.addr) then
    redis.call('ZADD', e.load_key, redis.call('SCARD', rooms), info.addr)
  end
  redis.call('XADD', e.results_key, 'MAXLEN', '~', 100000, '*', 'room_id', room_id, 'reason', e.reason,
    'winner_id', e.winner, 'scores', e.scores, 'ticks', e.ticks, 'ended_at', e.now)
end
