--[[
  revoke-sessions: ends one session of a player, or all of them, and wakes the player's watchers
  (they re-check their token and end).

  KEYS[1] player_sessions:<player>   ZSET  score = expiry, member = token
  ARGV[1] key prefix ('' or 'name:'); deletes <prefix>session:<token>
  ARGV[2] player id
  ARGV[3] the token to end, or '' for every session of the player
  ARGV[4] ticket events channel

  Returns the number of sessions ended.
]]
local tokens = { ARGV[3] }
if ARGV[3] == '' then
  tokens = redis.call('ZRANGE', KEYS[1], 0, -1)
  redis.call('DEL', KEYS[1])
else
  redis.call('ZREM', KEYS[1], ARGV[3])
end
local ended = 0
for _, token in ipairs(tokens) do
  ended = ended + redis.call('DEL', ARGV[1] .. 'session:' .. token)
end
redis.call('PUBLISH', ARGV[4], ARGV[2])
return ended
