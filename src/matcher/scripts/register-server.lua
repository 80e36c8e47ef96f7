#!lua flags=allow-oom
--[[
  register-server: adds a room server to the live set under a new lease. A server that registers
  again on the same address (a restart) replaces its old lease and keeps the rooms still assigned
  there (rooms moved away while its lease was gone are elsewhere now).

  KEYS[1] room_server:<addr>           HASH  server_id, addr, capacity, status, load report
  KEYS[2] room_server_lease:<id>       STRING the address this lease is for
  KEYS[3] room_servers:{<region>}:load ZSET  score = rooms assigned, member = address
  KEYS[4] room_server:<addr>:rooms     SET   room ids assigned to the address
  KEYS[5] room_servers:seen            ZSET  score = last heartbeat (ms), member = address
  KEYS[6] room_servers:region_of       HASH  address -> region
  KEYS[7] room_servers:regions         SET   every region a server registered in
  KEYS[8] room_servers:{<previous region>}:load  ZSET  the load set the address was in before
  ARGV[1] key prefix ('' or 'name:')
  ARGV[2] address
  ARGV[3] new server id (lease id)
  ARGV[4] capacity
  ARGV[5] now (ms)
  ARGV[6] lease TTL (ms)
  ARGV[7] region
  ARGV[8] the address's region the caller read from KEYS[6] ('' when none): KEYS[8] is its load set

  Returns the number of rooms already assigned to the address, or -1 when the address's region changed
  since the caller read it (read it again). Runs also while Redis is out of memory
  (allow-oom; a few small keys), like heartbeats.
]]
local previous = redis.call('HGET', KEYS[6], ARGV[2]) or ''
if previous ~= ARGV[8] then
  return -1
end
if previous ~= '' and previous ~= ARGV[7] then
  redis.call('ZREM', KEYS[8], ARGV[2]) -- moved to another region: no more rooms of the old one
end
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
redis.call('HSET', KEYS[6], ARGV[2], ARGV[7])
redis.call('SADD', KEYS[7], ARGV[7])
return assigned
