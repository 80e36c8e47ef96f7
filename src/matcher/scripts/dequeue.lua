--[[
  dequeue: takes a player out of their region's matchmaking queue; does nothing when not queued.

  KEYS[1] {<region>}:match:queue         ZSET
  KEYS[2] {<region>}:match:waiting       ZSET
  KEYS[3] {<region>}:match:outcome:<p>   HASH  status, changed_at
  KEYS[4] {<region>}:match:ticket:<p>    HASH  enqueued_at, gen
  ARGV[1] player id
  ARGV[2] now (ms)
  ARGV[3] outcome TTL (s)
  ARGV[4] ticket events channel

  Returns 1 when the player left the queue, 0 when the player was not queued.
]]
if redis.call('DEL', KEYS[4]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], 'status', 'dequeued', 'changed_at', ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
