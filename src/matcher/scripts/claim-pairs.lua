--[[
  claim-pairs: atomically turns proposed pairs of one region into room assignments on the least-loaded
  live server of that region.
  A pair is claimed only if both players are still queued, so concurrent matchers can never assign a
  player twice, and a matcher that dies mid-pass leaves every player either queued or assigned.

  Every key is in the region's slot.
  KEYS[1] {<region>}:match:queue        ZSET  score = MMR
  KEYS[2] {<region>}:match:waiting      ZSET  score = enqueue time (ms)
  KEYS[3] {<region>}:room_servers:load  ZSET  score = rooms assigned, member = server address
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); the script also writes <p>room_map:<player>,
          <p>room:<room>:info and <p>room_server:<addr>[:rooms], deletes <p>match:ticket:<player>,
          and with ARGV[5] = '1' reads and deletes <p>match:trace:<player> (<p>: the region prefix)
  ARGV[2] now (ms)
  ARGV[3] room_map TTL (s)
  ARGV[4] ticket events channel
  ARGV[5] '1': return each player's enqueue traceparent; '0': don't look (tracing is off)
  ARGV[6] region (stored in the room's info)
  ARGV[7..] groups of five: room id, left player id, right player id,
            left enqueue time (ms), right enqueue time (ms)

  Publishes one message on the channel: the ids of every assigned player, separated by spaces.
  Returns {skipped, unplaced, then per claimed room: room id, addr, left's and right's enqueue
  traceparent ('' when none)}:
  skipped  = pairs not claimed because a player was no longer queued,
  unplaced = pairs not claimed because no live server had free capacity (they stay queued).
]]
--- @include "live-servers"

local prefix, now = ARGV[1], ARGV[2]
local servers = live_servers(prefix, KEYS[3], '')

local function assign(player, opponent, slot, room_id, addr, enqueued_at)
  local map = prefix .. 'room_map:' .. player
  redis.call('HSET', map, 'room_id', room_id, 'addr', addr, 'opponent_id', opponent, 'slot', slot,
    'assigned_at', now, 'enqueued_at', enqueued_at)
  redis.call('EXPIRE', map, ARGV[3])
end

local result = { 0, 0 }
local taken = {}   -- players assigned by this call, so a player listed twice is not assigned twice
local removed = {} -- players to take out of the queue, in one ZREM at the end
local rooms_of = {} -- server address -> room ids assigned by this call
local traced = ARGV[5] == '1'
local function enqueue_traces(left, right)
  if not traced then return {} end
  local keys = { prefix .. 'match:trace:' .. left, prefix .. 'match:trace:' .. right }
  local traces = redis.call('MGET', unpack(keys))
  redis.call('DEL', unpack(keys))
  return { traces[1] or '', traces[2] or '' }
end

for i = 7, #ARGV, 5 do
  local room_id, left, right = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local scores = redis.call('ZMSCORE', KEYS[1], left, right)
  if not (scores[1] and scores[2]) or taken[left] or taken[right] or left == right then
    result[1] = result[1] + 1
  else
    local server = least_loaded(servers)
    if server == nil then
      result[2] = result[2] + 1
    else
      server.load = server.load + 1
      taken[left], taken[right] = true, true
      table.insert(removed, left)
      table.insert(removed, right)
      assign(left, right, 'left', room_id, server.addr, ARGV[i + 3])
      assign(right, left, 'right', room_id, server.addr, ARGV[i + 4])
      redis.call('HSET', prefix .. 'room:' .. room_id .. ':info', 'player_count', 2, 'status', 'assigned',
        'addr', server.addr, 'region', ARGV[6], 'left_id', left, 'right_id', right, 'created_at', now)
      rooms_of[server.addr] = rooms_of[server.addr] or {}
      table.insert(rooms_of[server.addr], room_id)
      local traces = enqueue_traces(left, right)
      table.insert(result, room_id)
      table.insert(result, server.addr)
      table.insert(result, traces[1] or '')
      table.insert(result, traces[2] or '')
    end
  end
end
if #removed > 0 then
  redis.call('ZREM', KEYS[1], unpack(removed))
  redis.call('ZREM', KEYS[2], unpack(removed))
  for _, player in ipairs(removed) do redis.call('DEL', prefix .. 'match:ticket:' .. player) end
  redis.call('PUBLISH', ARGV[4], table.concat(removed, ' '))
end
for addr, room_ids in pairs(rooms_of) do
  redis.call('SADD', prefix .. 'room_server:' .. addr .. ':rooms', unpack(room_ids))
  redis.call('ZINCRBY', KEYS[3], #room_ids, addr)
end
return result
