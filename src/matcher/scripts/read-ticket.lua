#!lua flags=no-writes
--[[
  read-ticket: where a player stands in a region, read in one atomic step. Flagged no-writes, so Redis
  runs it also while it refuses writes (out of memory): a player can still see their assignment.

  KEYS[1] {<region>}:room_map:<p>        HASH  the current assignment
  KEYS[2] {<region>}:match:ticket:<p>    HASH  enqueued_at, gen while queued
  KEYS[3] {<region>}:match:outcome:<p>   HASH  how the last ticket ended

  Returns {room_map as a flat field/value list, enqueue time or false, outcome as a flat list}.
]]
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGET', KEYS[2], 'enqueued_at'),
  redis.call('HGETALL', KEYS[3]),
}
