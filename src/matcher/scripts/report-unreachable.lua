--[[
  report-unreachable: records that a player cannot reach their room's server. Reports are hints:
  the server's lease is revoked (so that its rooms move at once) only when every player of the room
  has reported it and the server's last heartbeat is late. One lying client can therefore never
  move a game whose server is healthy.

  Every key is in the region's slot (the player's region, which is the room's).
  KEYS[1] {<region>}:room_map:<player>          HASH  the player's assignment
  KEYS[2] {<region>}:room:<room>:info           HASH  addr, left_id, right_id
  KEYS[3] {<region>}:room:<room>:unreachable    SET   players who reported the room's server (TTL)
  KEYS[4] {<region>}:room_servers:load          ZSET
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); also reads <p>room_server:<addr> and
          deletes it and <p>room_server_lease:<id> when revoking
  ARGV[2] player id   ARGV[3] room id
  ARGV[4] now (ms)
  ARGV[5] a heartbeat older than this (ms) is late
  ARGV[6] TTL (ms) of the reports
  ARGV[7] the lease TTL (ms): how old the last heartbeat is comes from the lease's remaining TTL
          (Redis' own clock), never from comparing two Matcher replicas' clocks

  Returns {code, addr, ms since the server's last heartbeat}: 0 not the player's current room;
  1 noted (not every player has reported); 2 ignored: the server heartbeats on time; 3 revoked now
  (the caller moves the rooms of addr); 4 the lease was already gone (the failover sweep moves them).
]]
local map = redis.call('HMGET', KEYS[1], 'room_id', 'addr')
local info = redis.call('HMGET', KEYS[2], 'addr', 'left_id', 'right_id', 'status')
if map[1] ~= ARGV[3] or info[1] ~= map[2] or info[4] == 'ended' then
  return { 0, '', 0 }
end
local addr = info[1]
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
for i = 2, 3 do
  if info[i] and info[i] ~= '' and redis.call('SISMEMBER', KEYS[3], info[i]) == 0 then
    return { 1, addr, 0 }
  end
end
local server = ARGV[1] .. 'room_server:' .. addr
local server_id = redis.call('HGET', server, 'server_id')
if not server_id then
  return { 4, addr, 0 }
end
local since_heartbeat = tonumber(ARGV[7]) - redis.call('PTTL', server)
if since_heartbeat < tonumber(ARGV[5]) then
  return { 2, addr, since_heartbeat }
end
redis.call('DEL', server, ARGV[1] .. 'room_server_lease:' .. server_id)
redis.call('ZREM', KEYS[4], addr)
return { 3, addr, since_heartbeat }
