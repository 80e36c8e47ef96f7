--[[
  issue-session: issues a new session for a player whose identity is already established (the seam an
  identity provider uses).

  KEYS: none (the keys are named from the player and token: <prefix>session:<token>,
        <prefix>player_sessions:<player>)
  ARGV[1] key prefix   ARGV[2] player id   ARGV[3] the new session token
  ARGV[4] now (ms)     ARGV[5] session TTL (s)   ARGV[6] most sessions a player holds at once

  Returns the session's expiry (ms).
]]
--- @include "issue-session"

return issue_session(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
