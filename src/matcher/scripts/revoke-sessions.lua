--[[
  revoke-sessions: ends one session of a player, or all of them, and wakes the player's watchers
  (they re-check their token and end).

  KEYS[1] player_sessions:{<player>}   ZSET  score = expiry, member = token
  ARGV[1] player id
  ARGV[2] the token to end, or '' for every session of the player
  ARGV[3] ticket events channel
  ARGV[4] now (ms): sessions expired by then are dropped first, not counted

  Returns the number of sessions ended.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local ended
if ARGV[2] == '' then
  ended = redis.call('ZCARD', KEYS[1])
  redis.call('DEL', KEYS[1])
else
  ended = redis.call('ZREM', KEYS[1], ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[1])
return ended
