--[[
  forget-region: drops a region from the match loop's active set unless a player enqueued in it since
  the cut-off. The caller found the region's queue empty; an enqueue lists its region (with a fresh
  score) before it queues the player, so a region that has a queued player is never forgotten.

  KEYS[1] match:regions  ZSET  score = latest enqueue (ms), member = region
  ARGV[1] region
  ARGV[2] cut-off (ms)

  Returns 1 when forgotten, 0 when kept.
]]
local latest = redis.call('ZSCORE', KEYS[1], ARGV[1])
if latest and tonumber(latest) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
