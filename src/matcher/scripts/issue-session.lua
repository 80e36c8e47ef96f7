--[[
  issue-session: issues a new session for a player whose identity is established (after login-device,
  or by an identity provider). A player's sessions are the members of one ZSET (score = expiry), so
  every session operation touches one key: expired sessions are dropped here, and past the most
  sessions a player may hold the oldest end (logging in again and again cannot fill Redis).

  KEYS[1] player_sessions:{<player>}   ZSET  score = expiry (ms), member = session token
  ARGV[1] the new session token
  ARGV[2] now (ms)   ARGV[3] session TTL (s)   ARGV[4] most sessions a player holds at once

  Returns the session's expiry (ms).
]]
local now, ttl_sec = tonumber(ARGV[2]), tonumber(ARGV[3])
local expires = now + ttl_sec * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl_sec)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  redis.call('ZPOPMIN', KEYS[1], over)
end
return expires
