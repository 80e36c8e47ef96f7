--[[
  move-rooms: moves the unfinished rooms of a room server that is gone (its lease lapsed or was
  revoked) or that hands them over while draining, each to the least-loaded live server with free
  capacity. A room moves whole in this one call (its info with a higher placement epoch, both
  players' room_map, the servers' room sets and load), so however many Matcher replicas run this at
  once, each room moves exactly once. A room that cannot move is ended (END_REASON_SERVER_LOST): one
  that was running but has no checkpoint left, or one that found no capacity for longer than the
  wait allowed. Ended and unknown rooms still listed for the server are cleaned out.

  Every key is in the region's slot: rooms move only within their region.
  KEYS[1] {<region>}:room_server:<addr>:rooms  SET    room ids assigned to the server
  KEYS[2] {<region>}:room_servers:load         ZSET   score = rooms assigned, member = address of a live server
  KEYS[3] {<region>}:room_servers:seen         ZSET   score = last heartbeat (ms), member = address
  KEYS[4] {<region>}:room:results              STREAM
  KEYS[5] {<region>}:room_server:<addr>        HASH   the server's lease record (gone once the lease lapsed)
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); also reads and writes <p>room:<room>:info,
          <p>room:<room>:checkpoint (existence only), <p>room_map:<player>, <p>match:outcome:<player>,
          <p>room_server:<other>[:rooms], <p>room:<room>:unreachable
  ARGV[2] the server's address
  ARGV[3] '' to move only if the lease is gone; else the server id of a draining server handing over
  ARGV[4] now (ms)
  ARGV[5] room_map TTL (s)       ARGV[6] outcome TTL (s)
  ARGV[7] ticket events channel  ARGV[8] TTL (s) of an ended room's info
  ARGV[9] longest (ms) a room waits for capacity before it is ended
  ARGV[10] most rooms handled in this call
  ARGV[11] the end reason stored for a room that could not move (END_REASON_SERVER_LOST)

  Returns {code, moved, ended, waiting, remaining, then per moved room: room id, new address}:
  code 1 done, 0 the server is alive (lease still there, or not that draining lease): nothing changed.
  remaining = rooms still listed for the server after this call (waiting ones and any past the limit).
]]
--- @include "finish-room"
--- @include "live-servers"

local prefix, addr, handing_over, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
-- A write Redis refuses while out of memory comes first (re-setting the server's last heartbeat to
-- itself), so that then the whole call fails and the caller waits, instead of ending rooms because
-- heartbeats could not be written.
local last_heartbeat = redis.call('ZSCORE', KEYS[3], addr)
if last_heartbeat then
  redis.call('ZADD', KEYS[3], 'XX', last_heartbeat, addr)
end
if handing_over == '' then
  if redis.call('EXISTS', KEYS[5]) == 1 then return { 0, 0, 0, 0, 0 } end
else
  local lease = redis.call('HMGET', KEYS[5], 'server_id', 'status')
  if lease[1] ~= handing_over or lease[2] ~= 'draining' then return { 0, 0, 0, 0, 0 } end
end

local servers = live_servers(prefix, KEYS[2], addr)

local lost = {
  prefix = prefix, now = ARGV[4], outcome_ttl = ARGV[6], channel = ARGV[7], reason = ARGV[11], winner = '',
  scores = '{}', ticks = 0, ended_ttl = ARGV[8], results_key = KEYS[4], load_key = KEYS[2],
}
local result = { 1, 0, 0, 0, 0 }
local handled = 0
for _, room_id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if handled >= tonumber(ARGV[10]) then break end
  local info_key = prefix .. 'room:' .. room_id .. ':info'
  local info = redis.call('HMGET', info_key, 'status', 'left_id', 'right_id', 'stranded_at', 'addr')
  local room = { addr = addr, left_id = info[2], right_id = info[3] }
  if not info[1] or info[1] == 'ended' or info[5] ~= addr then
    redis.call('SREM', KEYS[1], room_id) -- over, expired or already elsewhere: nothing to move
  else
    handled = handled + 1
    local running = info[1] == 'playing' or info[1] == 'paused'
    local target = least_loaded(servers)
    if running and redis.call('EXISTS', prefix .. 'room:' .. room_id .. ':checkpoint') == 0 then
      finish_room(room_id, info_key, room, lost) -- its state is gone with the server
      result[3] = result[3] + 1
    elseif target == nil then
      -- Stranded since this loss of the server: a mark from before its last heartbeat is stale.
      local stranded_at = tonumber(info[4] or '')
      if stranded_at == nil or (last_heartbeat and stranded_at < tonumber(last_heartbeat)) then
        stranded_at = nil
        redis.call('HSET', info_key, 'stranded_at', now)
      end
      if stranded_at and now - stranded_at >= tonumber(ARGV[9]) then
        finish_room(room_id, info_key, room, lost)
        result[3] = result[3] + 1
      else
        result[4] = result[4] + 1
      end
    else
      target.load = target.load + 1
      target.added = target.added + 1
      local epoch = redis.call('HINCRBY', info_key, 'epoch', 1)
      redis.call('HSET', info_key, 'addr', target.addr, 'moved_at', now, 'moved_from', addr)
      redis.call('HDEL', info_key, 'stranded_at')
      for _, player in ipairs({ info[2], info[3] }) do
        if player and player ~= '' then
          local map = prefix .. 'room_map:' .. player
          if redis.call('HGET', map, 'room_id') == room_id then
            redis.call('HSET', map, 'addr', target.addr, 'epoch', epoch)
            redis.call('EXPIRE', map, ARGV[5])
          end
          redis.call('PUBLISH', ARGV[7], player)
        end
      end
      redis.call('SREM', KEYS[1], room_id)
      redis.call('SADD', prefix .. 'room_server:' .. target.addr .. ':rooms', room_id)
      redis.call('DEL', prefix .. 'room:' .. room_id .. ':unreachable')
      result[2] = result[2] + 1
      table.insert(result, room_id)
      table.insert(result, target.addr)
    end
  end
end
for _, s in ipairs(servers) do
  if s.added > 0 then redis.call('ZINCRBY', KEYS[2], s.added, s.addr) end
end
result[5] = redis.call('SCARD', KEYS[1])
if handing_over == '' and result[5] == 0 then
  -- The server is gone and owns nothing any more: forget it.
  redis.call('ZREM', KEYS[3], addr)
  redis.call('ZREM', KEYS[2], addr)
end
return result
