--[[
  update-room-info: records how a running room stands in its info hash, which the Matcher created
  when it assigned the room. Refuses (fenced) one that is unknown, placed elsewhere (it moved away)
  or ended by the Matcher (a late update must not revive it, and a room ended there is not to be
  played on).

  KEYS[1] room:<room>:info   HASH addr, epoch, status, player_count, …
  ARGV[1] this server's address
  ARGV[2] status: waiting, playing or paused
  ARGV[3] player_count (connected players)
  ARGV[4] now (ms)
  ARGV[5] the room's placement epoch on this server

  Returns 1 when updated, 2 when fenced (not placed here at that epoch, or ended).
]]
local info = redis.call('HMGET', KEYS[1], 'addr', 'status', 'epoch')
if info[1] ~= ARGV[1] or tonumber(info[3] or 0) ~= tonumber(ARGV[5]) or info[2] == 'ended' then
  return 2
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'player_count', ARGV[3], 'updated_at', ARGV[4])
return 1
