--[[
  claim-pairs: atomically turns proposed pairs into room assignments on the least-loaded live server.
  A pair is claimed only if both players are still queued, so concurrent matchers can never assign a
  player twice, and a matcher that dies mid-pass leaves every player either queued or assigned.

  KEYS[1] match:queue          ZSET  score = MMR
  KEYS[2] match:waiting        ZSET  score = enqueue time (ms)
  KEYS[3] room_servers:load    ZSET  score = rooms assigned, member = server address
  ARGV[1] key prefix ('' or 'name:'); the script also writes <prefix>room_map:<player>,
          <prefix>match:ticket:<player>, <prefix>room:<room>:info, <prefix>room_server:<addr>[:rooms]
  ARGV[2] now (ms)
  ARGV[3] room_map TTL (s)
  ARGV[4] ticket TTL (s)
  ARGV[5] ticket events channel
  ARGV[6..] triples: room id, left player id, right player id

  Returns {skipped, unplaced, room id, addr, left enqueued_at, right enqueued_at, ...}:
  skipped  = pairs not claimed because a player was no longer queued,
  unplaced = pairs not claimed because no live server had free capacity (they stay queued).
]]
local prefix, now = ARGV[1], ARGV[2]

local servers = {}
local loads = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
for i = 1, #loads, 2 do
  local addr = loads[i]
  local info = redis.call('HMGET', prefix .. 'room_server:' .. addr, 'capacity', 'status')
  if not info[1] then
    redis.call('ZREM', KEYS[3], addr) -- its lease ran out: no longer live
  elseif info[2] == 'live' then
    table.insert(servers, { addr = addr, load = tonumber(loads[i + 1]), capacity = tonumber(info[1]) })
  end
end

local function least_loaded()
  local best = nil
  for _, s in ipairs(servers) do
    if s.load < s.capacity and (best == nil or s.load < best.load) then best = s end
  end
  return best
end

local function assign(player, opponent, slot, room_id, addr)
  local map = prefix .. 'room_map:' .. player
  redis.call('HSET', map, 'room_id', room_id, 'addr', addr, 'opponent_id', opponent, 'slot', slot, 'assigned_at', now)
  redis.call('EXPIRE', map, ARGV[3])
  local ticket = prefix .. 'match:ticket:' .. player
  redis.call('HSET', ticket, 'status', 'assigned', 'changed_at', now, 'room_id', room_id)
  redis.call('EXPIRE', ticket, ARGV[4])
  redis.call('PUBLISH', ARGV[5], player)
end

local result = { 0, 0 }
for i = 6, #ARGV, 3 do
  local room_id, left, right = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local left_at = redis.call('ZSCORE', KEYS[2], left)
  local right_at = redis.call('ZSCORE', KEYS[2], right)
  if not (redis.call('ZSCORE', KEYS[1], left) and redis.call('ZSCORE', KEYS[1], right)) then
    result[1] = result[1] + 1
  else
    local server = least_loaded()
    if server == nil then
      result[2] = result[2] + 1
    else
      server.load = server.load + 1
      redis.call('ZREM', KEYS[1], left, right)
      redis.call('ZREM', KEYS[2], left, right)
      assign(left, right, 'left', room_id, server.addr)
      assign(right, left, 'right', room_id, server.addr)
      redis.call('HSET', prefix .. 'room:' .. room_id .. ':info', 'player_count', 2, 'status', 'assigned',
        'addr', server.addr, 'left_id', left, 'right_id', right, 'created_at', now)
      redis.call('SADD', prefix .. 'room_server:' .. server.addr .. ':rooms', room_id)
      redis.call('ZINCRBY', KEYS[3], 1, server.addr)
      table.insert(result, room_id)
      table.insert(result, server.addr)
      table.insert(result, left_at or now)
      table.insert(result, right_at or now)
    end
  end
end
return result
