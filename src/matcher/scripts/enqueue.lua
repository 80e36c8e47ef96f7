--[[
  enqueue: puts a player in a region's matchmaking queue unless already queued (in any region) or assigned.

  KEYS[1] match:{<region>}:queue    ZSET  score = MMR, member = player id
  KEYS[2] match:{<region>}:waiting  ZSET  score = enqueue time (ms), member = player id
  KEYS[3] match:outcome:<player>    HASH  how the player's previous ticket ended (cleared here)
  KEYS[4] room_map:<player>         HASH  the player's current assignment
  KEYS[5] match:trace:<player>      STRING  traceparent of the enqueue, for the match to link to
  KEYS[6] match:ticket:<player>     HASH  region, enqueued_at: exists while the player is queued
  ARGV[1] player id
  ARGV[2] mmr
  ARGV[3] now (ms)
  ARGV[4] ticket events channel
  ARGV[5] traceparent of the enqueue ('' when not traced: nothing is written)
  ARGV[6] TTL (s) of the ticket and the trace: as long as a ticket can wait
  ARGV[7] region (the caller listed it in match:regions before this call)

  Returns {status, created}: status is 'queued' or 'assigned'; created is 1 when this call queued
  the player and 0 when it changed nothing (a repeat in another region keeps the first region).
]]
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {'assigned', 0}
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  return {'queued', 0}
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[6], 'region', ARGV[7], 'enqueued_at', ARGV[3])
redis.call('EXPIRE', KEYS[6], ARGV[6])
redis.call('DEL', KEYS[3])
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[5], ARGV[5], 'EX', ARGV[6])
end
redis.call('PUBLISH', ARGV[4], ARGV[1])
return {'queued', 1}
