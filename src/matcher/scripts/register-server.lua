#!lua flags=allow-oom
--[[
  register-server: adds a room server to its region's live set under a new lease. A server that
  registers again on the same address (a restart) replaces its old lease and keeps the rooms still
  assigned there (rooms moved away while its lease was gone are elsewhere now).

  Every key is in the region's slot.
  KEYS[1] {<region>}:room_server:<addr>           HASH  server_id, addr, capacity, status, load report
  KEYS[2] {<region>}:room_server_lease:<id>       STRING the address this lease is for
  KEYS[3] {<region>}:room_servers:load            ZSET  score = rooms assigned, member = address
  KEYS[4] {<region>}:room_server:<addr>:rooms     SET   room ids assigned to the address
  KEYS[5] {<region>}:room_servers:seen            ZSET  score = last heartbeat (ms), member = address
  ARGV[1] the region prefix ('<key prefix>{<region>}:'): the old lease <p>room_server_lease:<old id> is deleted
  ARGV[2] address
  ARGV[3] new server id (lease id)
  ARGV[4] capacity
  ARGV[5] now (ms)
  ARGV[6] lease TTL (ms)
  ARGV[7] region

  Returns the number of rooms already assigned to the address. Runs also while Redis is out of memory
  (allow-oom; a few small keys), like heartbeats.
]]
local old = redis.call('HGET', KEYS[1], 'server_id')
if old then
  redis.call('DEL', ARGV[1] .. 'room_server_lease:' .. old)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'server_id', ARGV[3], 'addr', ARGV[2], 'region', ARGV[7], 'capacity', ARGV[4], 'status', 'live',
  'registered_at', ARGV[5], 'heartbeat_at', ARGV[5], 'active_rooms', 0, 'players', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[6])
local assigned = redis.call('SCARD', KEYS[4])
redis.call('ZADD', KEYS[3], assigned, ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2])
return assigned
