--[[
  dequeue: takes a player out of their region's matchmaking queue; does nothing when not queued.

  KEYS[1] match:{<region>}:queue    ZSET
  KEYS[2] match:{<region>}:waiting  ZSET
  KEYS[3] match:outcome:<player>    HASH  status, changed_at
  KEYS[4] match:ticket:<player>     HASH  region, enqueued_at
  ARGV[1] player id
  ARGV[2] now (ms)
  ARGV[3] outcome TTL (s)
  ARGV[4] ticket events channel
  ARGV[5] region the caller read from the ticket (KEYS[1] and KEYS[2] are that region's)

  Returns 1 when the player left the queue, 0 when the player was not queued, -1 when the ticket
  names another region now (the player was matched and queued again meanwhile: read it again).
]]
local region = redis.call('HGET', KEYS[4], 'region')
if not region then
  return 0
end
if region ~= ARGV[5] then
  return -1
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[3], 'status', 'dequeued', 'changed_at', ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
