#!lua flags=no-writes
--[[
  lease-region: the address and region of a room server's lease, read in one step, so that the
  caller can pass the region's load set to the script that follows (which checks the region again).

  KEYS[1] room_server_lease:<id>   STRING address
  KEYS[2] room_servers:region_of   HASH   address -> region

  Returns {address, region ('' when not recorded: a server from before regions)}, or false when the
  lease is unknown.
]]
local addr = redis.call('GET', KEYS[1])
if not addr then
  return false
end
return { addr, redis.call('HGET', KEYS[2], addr) or '' }
