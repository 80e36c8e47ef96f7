--[[
  login-device: logs a device in. The same device id always maps to the same player while it is used
  (the mapping expires after the device TTL without a login); issues a new session for that player.

  KEYS[1] device:<id>   STRING  the player id the device logs in as (TTL: device TTL, renewed here)
  ARGV[1] key prefix ('' or 'name:'); also writes <prefix>session:<token> and <prefix>player_sessions:<player>
  ARGV[2] a new player id, taken if the device has none
  ARGV[3] the new session token
  ARGV[4] now (ms)
  ARGV[5] session TTL (s)
  ARGV[6] most sessions a player holds at once
  ARGV[7] device TTL (s)

  Returns {player id, session expiry (ms), 1 when the player was created now else 0}.
]]
--- @include "issue-session"

local player = redis.call('GET', KEYS[1])
local created = 0
if player then
  redis.call('EXPIRE', KEYS[1], ARGV[7])
else
  player = ARGV[2]
  created = 1
  redis.call('SET', KEYS[1], player, 'EX', ARGV[7])
end
local expires = issue_session(ARGV[1], player, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
return { player, expires, created }
