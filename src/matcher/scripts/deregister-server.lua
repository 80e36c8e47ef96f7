--[[
  deregister-server: drains a room server. It leaves the live set at once (no new rooms); its lease
  stays so that its running rooms can still report their end.

  KEYS[1] {<region>}:room_server_lease:<id>   STRING address
  KEYS[2] {<region>}:room_servers:load        ZSET
  ARGV[1] the region prefix ('<key prefix>{<region>}:')
  ARGV[2] server id

  Returns the server's address when drained, -1 when the lease is unknown or superseded.
]]
local addr = redis.call('GET', KEYS[1])
if not addr then
  return -1
end
local server = ARGV[1] .. 'room_server:' .. addr
if redis.call('HGET', server, 'server_id') ~= ARGV[2] then
  return -1
end
redis.call('HSET', server, 'status', 'draining')
redis.call('ZREM', KEYS[2], addr)
return addr
