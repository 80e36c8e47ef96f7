#!lua flags=no-writes
--[[
  read-ticket: where a player stands, read in one atomic step. Flagged no-writes, so Redis runs it
  also while it refuses writes (out of memory): a player can still see their assignment.

  KEYS[1] room_map:<player>        HASH  the current assignment
  KEYS[2] match:ticket:<player>    HASH  region, enqueued_at while queued
  KEYS[3] match:outcome:<player>   HASH  how the last ticket ended

  Returns {room_map as a flat field/value list, enqueue time or false, outcome as a flat list}.
]]
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGET', KEYS[2], 'enqueued_at'),
  redis.call('HGETALL', KEYS[3]),
}
