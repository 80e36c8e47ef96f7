--[[
  set-player-region: points a player at a new region, unless the pointer changed since the caller read
  it (compare-and-set on the generation). In the player's slot.

  KEYS[1] player:{<p>}:region   HASH  region, gen
  ARGV[1] the generation the caller read (0: no pointer)
  ARGV[2] the new region
  ARGV[3] TTL (s) of the pointer

  Returns the new generation, or -1 when the pointer changed meanwhile (read it again).
]]
if tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') ~= tonumber(ARGV[1]) then
  return -1
end
local gen = tonumber(ARGV[1]) + 1
redis.call('HSET', KEYS[1], 'region', ARGV[2], 'gen', gen)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return gen
