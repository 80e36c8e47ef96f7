--[[
  expire-waiting: times out the players of a region who have waited in its queue since before a cut-off.

  KEYS[1] {<region>}:match:queue    ZSET
  KEYS[2] {<region>}:match:waiting  ZSET  score = enqueue time (ms)
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); outcomes are written to
          <p>match:outcome:<player>, and <p>match:ticket:<player> is deleted
  ARGV[2] cut-off (ms): players enqueued at or before it time out
  ARGV[3] now (ms)
  ARGV[4] outcome TTL (s)
  ARGV[5] ticket events channel
  ARGV[6] most players to time out in this call

  Returns the number of players timed out.
]]
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[6])
for _, player in ipairs(expired) do
  redis.call('ZREM', KEYS[1], player)
  redis.call('ZREM', KEYS[2], player)
  redis.call('DEL', ARGV[1] .. 'match:ticket:' .. player)
  local outcome = ARGV[1] .. 'match:outcome:' .. player
  redis.call('HSET', outcome, 'status', 'timed_out', 'changed_at', ARGV[3])
  redis.call('EXPIRE', outcome, ARGV[4])
end
if #expired > 0 then
  redis.call('PUBLISH', ARGV[5], table.concat(expired, ' '))
end
return #expired
