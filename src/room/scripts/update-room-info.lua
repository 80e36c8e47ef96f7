--[[
  update-room-info: records how a running room stands in its info hash, which the Matcher created
  when it assigned the room. Leaves alone a room that is unknown, on another server, or ended (the
  Matcher marks the end; a late update must not revive it).

  KEYS[1] room:<room>:info   HASH addr, status, player_count, …
  ARGV[1] this server's address
  ARGV[2] status: waiting, playing or paused
  ARGV[3] player_count (connected players)
  ARGV[4] now (ms)

  Returns 1 when updated, 0 when left alone.
]]
local info = redis.call('HMGET', KEYS[1], 'addr', 'status')
if info[1] ~= ARGV[1] or info[2] == 'ended' then
  return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'player_count', ARGV[3], 'updated_at', ARGV[4])
return 1
