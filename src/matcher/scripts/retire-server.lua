--[[
  retire-server: ends the lease of a room server address in a region it no longer serves (it has
  registered in another region). Its record and lease go, so it takes no more rooms here, and the
  region's failover sweep moves the rooms it still owned here to the region's other servers.

  KEYS[1] {<region>}:room_server:<addr>   HASH   server_id, …
  KEYS[2] {<region>}:room_servers:load    ZSET
  ARGV[1] the region prefix ('<key prefix>{<region>}:'): deletes <p>room_server_lease:<id>
  ARGV[2] address

  Returns 1 when a lease was ended, 0 when there was none.
]]
redis.call('ZREM', KEYS[2], ARGV[2])
local server_id = redis.call('HGET', KEYS[1], 'server_id')
if not server_id then
  return 0
end
redis.call('DEL', KEYS[1], ARGV[1] .. 'room_server_lease:' .. server_id)
return 1
