--[[
  end-room: records a finished game, deletes its players' assignments and frees the room's slot on
  its server. Idempotent: a second report of the same room changes nothing.

  KEYS[1] room:<room>:info          HASH  addr, status, left_id, right_id
  KEYS[2] room_server_lease:<id>    STRING address of the reporting server
  KEYS[3] room_servers:load         ZSET
  KEYS[4] room:results              STREAM
  ARGV[1] key prefix ('' or 'name:'); also writes <prefix>room_map:<player>,
          <prefix>match:outcome:<player>, <prefix>room_server:<addr>:rooms and reads <prefix>match:queue
  ARGV[2] room id
  ARGV[3] now (ms)
  ARGV[4] outcome TTL (s)
  ARGV[5] ticket events channel
  ARGV[6] end reason     ARGV[7] winner id ('' for none)
  ARGV[8] scores (JSON)  ARGV[9] ticks
  ARGV[10] TTL (s) of the ended room's info

  Returns 1 when ended now, 0 when already ended, -1 lease unknown, -2 room unknown,
  -3 room belongs to another server.
]]
local prefix, room_id, now = ARGV[1], ARGV[2], ARGV[3]
local addr = redis.call('GET', KEYS[2])
if not addr then
  return -1
end
local info = redis.call('HMGET', KEYS[1], 'addr', 'status', 'left_id', 'right_id')
if not info[1] then
  return -2
end
if info[1] ~= addr then
  return -3
end
if info[2] == 'ended' then
  return 0
end
for i = 3, 4 do
  local player = info[i]
  if player then
    local map = prefix .. 'room_map:' .. player
    local current = redis.call('HGET', map, 'room_id')
    if current == room_id then
      redis.call('DEL', map)
    end
    -- Unless the player has moved on (queued again, or in another room after this one expired).
    if (current == room_id or not current) and not redis.call('ZSCORE', prefix .. 'match:queue', player) then
      local outcome = prefix .. 'match:outcome:' .. player
      redis.call('HSET', outcome, 'status', 'ended', 'changed_at', now, 'room_id', room_id)
      redis.call('EXPIRE', outcome, ARGV[4])
    end
    redis.call('PUBLISH', ARGV[5], player)
  end
end
redis.call('HSET', KEYS[1], 'status', 'ended', 'player_count', 0, 'ended_at', now, 'end_reason', ARGV[6],
  'winner_id', ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[10])
local rooms = prefix .. 'room_server:' .. addr .. ':rooms'
redis.call('SREM', rooms, room_id)
if redis.call('ZSCORE', KEYS[3], addr) then
  redis.call('ZADD', KEYS[3], redis.call('SCARD', rooms), addr)
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', 100000, '*', 'room_id', room_id, 'reason', ARGV[6],
  'winner_id', ARGV[7], 'scores', ARGV[8], 'ticks', ARGV[9], 'ended_at', now)
return 1
