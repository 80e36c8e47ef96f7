--[[
  deregister-server: drains a room server. It leaves the live set at once (no new rooms); its lease
  stays so that its running rooms can still report their end.

  KEYS[1] room_server_lease:<id>   STRING address
  KEYS[2] room_servers:{<region>}:load  ZSET
  KEYS[3] room_servers:region_of        HASH  address -> region
  ARGV[1] key prefix ('' or 'name:')
  ARGV[2] server id
  ARGV[3] the server's region the caller read (KEYS[2] is its load set)

  Returns the server's address when drained, -1 when the lease is unknown or superseded (or its
  address is in another region than ARGV[3] now).
]]
local addr = redis.call('GET', KEYS[1])
if not addr then
  return -1
end
local server = ARGV[1] .. 'room_server:' .. addr
if redis.call('HGET', server, 'server_id') ~= ARGV[2] or (redis.call('HGET', KEYS[3], addr) or 'default') ~= ARGV[3] then
  return -1
end
redis.call('HSET', server, 'status', 'draining')
redis.call('ZREM', KEYS[2], addr)
return addr
