#!lua flags=allow-oom
--[[
  heartbeat-server: records a room server's load, renews its lease, and keeps the assignments of its
  rooms alive (room_map entries of running games must outlive their 300 s TTL).

  Every key is in the server's region's slot (the server id names the region).
  KEYS[1] {<region>}:room_server_lease:<id>   STRING address
  KEYS[2] {<region>}:room_servers:load        ZSET
  KEYS[3] {<region>}:room_servers:seen        ZSET  score = last heartbeat (ms), member = address
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); also touches <p>room_server:<addr>[:rooms],
          <p>room:<room>:info and <p>room_map:<player>
  ARGV[2] server id
  ARGV[3] active rooms      ARGV[4] players
  ARGV[5] tick rate         ARGV[6] tick duration p99 (ms)
  ARGV[7] now (ms)
  ARGV[8] lease TTL (ms)
  ARGV[9] room_map TTL (s)

  Returns the number of rooms assigned to the server, or -1 when the lease is unknown or superseded.
  Runs also while Redis is out of memory (allow-oom; it only rewrites small fields): leases of healthy
  servers must not lapse because Redis is full.
]]
local prefix = ARGV[1]
local addr = redis.call('GET', KEYS[1])
if not addr then
  return -1
end
local server = prefix .. 'room_server:' .. addr
if redis.call('HGET', server, 'server_id') ~= ARGV[2] then
  return -1
end
redis.call('HSET', server, 'active_rooms', ARGV[3], 'players', ARGV[4], 'tick_rate', ARGV[5],
  'tick_p99_ms', ARGV[6], 'heartbeat_at', ARGV[7])
redis.call('PEXPIRE', server, ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[7], addr)
local rooms = redis.call('SMEMBERS', server .. ':rooms')
if redis.call('HGET', server, 'status') == 'live' then
  redis.call('ZADD', KEYS[2], #rooms, addr)
end
for _, room_id in ipairs(rooms) do
  local players = redis.call('HMGET', prefix .. 'room:' .. room_id .. ':info', 'left_id', 'right_id')
  for _, player in ipairs(players) do
    if player then
      local map = prefix .. 'room_map:' .. player
      if redis.call('HGET', map, 'room_id') == room_id then
        redis.call('EXPIRE', map, ARGV[9])
      end
    end
  end
end
return #rooms
