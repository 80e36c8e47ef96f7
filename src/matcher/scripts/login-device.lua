--[[
  login-device: the player a device logs in as. The same device id always maps to the same player while
  it is used (the mapping expires after the device TTL without a login). The session is issued next, by
  issue-session, in the player's own slot.

  KEYS[1] device:<id>   STRING  the player id the device logs in as (TTL: device TTL, renewed here)
  ARGV[1] a new player id, taken if the device has none
  ARGV[2] device TTL (s)

  Returns {player id, 1 when the player was created now else 0}.
]]
local player = redis.call('GET', KEYS[1])
if player then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return { player, 0 }
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return { ARGV[1], 1 }
