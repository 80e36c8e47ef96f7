--[[
  retire-region: the first step of moving a player's ticket to another region. In the region the
  player's latest ticket was in: when the player is still queued or assigned there, nothing changes
  (the player stays in that region); otherwise every enqueue of the player with this generation (or
  an older one) is refused here from now on, so that a late enqueue cannot queue the player in two
  regions at once.

  KEYS[1] {<region>}:match:ticket:<p>   HASH
  KEYS[2] {<region>}:room_map:<p>       HASH
  KEYS[3] {<region>}:match:fence:<p>    STRING  the highest generation retired here
  ARGV[1] the player-region generation to retire
  ARGV[2] TTL (s) of the fence: as long as a ticket can wait (an enqueue in flight is older)

  Returns 'assigned', 'queued' or 'retired'.
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'assigned'
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'queued'
end
if tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[2])
end
return 'retired'
