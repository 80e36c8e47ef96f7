-- issue_session: stores session:<token> {player_id, expires} with the session TTL and lists the token
-- in player_sessions:<player> (ZSET, score = expiry), dropping expired ones; past the most sessions a
-- player may hold, the oldest end (so logging in again and again cannot fill Redis). Returns the expiry
-- (ms). Included by login-device and issue-session.
local function issue_session(prefix, player, token, now, ttl_sec, max_sessions)
  local expires = now + ttl_sec * 1000
  local session = prefix .. 'session:' .. token
  redis.call('HSET', session, 'player_id', player, 'expires', expires)
  redis.call('EXPIRE', session, ttl_sec)
  local list = prefix .. 'player_sessions:' .. player
  redis.call('ZREMRANGEBYSCORE', list, '-inf', now)
  redis.call('ZADD', list, expires, token)
  redis.call('EXPIRE', list, ttl_sec)
  local over = redis.call('ZCARD', list) - max_sessions
  if over > 0 then
    local oldest = redis.call('ZPOPMIN', list, over)
    for i = 1, #oldest, 2 do
      redis.call('DEL', prefix .. 'session:' .. oldest[i])
    end
  end
  return expires
end
