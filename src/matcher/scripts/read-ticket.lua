#!lua flags=no-writes
--[[
  read-ticket: where a player stands, read in one atomic step. Flagged no-writes, so Redis runs it
  also while it refuses writes (out of memory): a player can still see their assignment.

  KEYS[1] room_map:<player>        HASH  the current assignment
  KEYS[2] match:waiting            ZSET  score = enqueue time (ms)
  KEYS[3] match:outcome:<player>   HASH  how the last ticket ended
  ARGV[1] player id

  Returns {room_map as a flat field/value list, enqueue time or false, outcome as a flat list}.
]]
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('ZSCORE', KEYS[2], ARGV[1]),
  redis.call('HGETALL', KEYS[3]),
}
