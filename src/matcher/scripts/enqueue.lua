--[[
  enqueue: puts a player in a region's matchmaking queue unless already queued or assigned there, or
  fenced: the player has since moved to another region (see retire-region and TicketStore).
  Every key is in the region's slot.

  KEYS[1] {<region>}:match:queue         ZSET  score = MMR, member = player id
  KEYS[2] {<region>}:match:waiting       ZSET  score = enqueue time (ms), member = player id
  KEYS[3] {<region>}:match:outcome:<p>   HASH  how the player's previous ticket ended (cleared here)
  KEYS[4] {<region>}:room_map:<p>        HASH  the player's current assignment
  KEYS[5] {<region>}:match:trace:<p>     STRING  traceparent of the enqueue, for the match to link to
  KEYS[6] {<region>}:match:ticket:<p>    HASH  enqueued_at, gen: exists while the player is queued
  KEYS[7] {<region>}:match:fence:<p>     STRING  the highest player-region generation retired here
  ARGV[1] player id
  ARGV[2] mmr
  ARGV[3] now (ms)
  ARGV[4] ticket events channel
  ARGV[5] traceparent of the enqueue ('' when not traced: nothing is written)
  ARGV[6] TTL (s) of the ticket, the trace and the fence: as long as a ticket can wait
  ARGV[7] the player-region generation the caller holds for this region

  Returns {status, created}: status is 'queued', 'assigned' or 'fenced' (the caller's generation is
  retired here: read the player's region again); created is 1 when this call queued the player.
]]
if tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[7]) then
  return {'fenced', 0}
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {'assigned', 0}
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  return {'queued', 0}
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[6], 'enqueued_at', ARGV[3], 'gen', ARGV[7])
redis.call('EXPIRE', KEYS[6], ARGV[6])
redis.call('DEL', KEYS[3])
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[5], ARGV[5], 'EX', ARGV[6])
end
redis.call('PUBLISH', ARGV[4], ARGV[1])
return {'queued', 1}
