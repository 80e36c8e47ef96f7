--[[
  end-room: records a finished game, deletes its players' assignments and frees the room's slot on
  its server. Idempotent: a second report of the same room changes nothing.

  Every key is in the region's slot (the reporting server's, a room never changes region).
  KEYS[1] {<region>}:room:<room>:info          HASH  addr, status, left_id, right_id
  KEYS[2] {<region>}:room_server_lease:<id>    STRING address of the reporting server
  KEYS[3] {<region>}:room_servers:load         ZSET
  KEYS[4] {<region>}:room:results              STREAM
  ARGV[1] the region prefix ('<key prefix>{<region>}:'); also writes <p>room_map:<player>,
          <p>match:outcome:<player>, <p>room_server:<addr>:rooms and reads <p>match:ticket:<player>
  ARGV[2] room id
  ARGV[3] now (ms)
  ARGV[4] outcome TTL (s)
  ARGV[5] ticket events channel
  ARGV[6] end reason     ARGV[7] winner id ('' for none)
  ARGV[8] scores (JSON)  ARGV[9] ticks
  ARGV[10] TTL (s) of the ended room's info

  Returns 1 when ended now, 0 when already ended, -1 lease unknown, -2 room unknown,
  -3 room belongs to another server (it was moved away from the reporter).
]]
--- @include "finish-room"

local addr = redis.call('GET', KEYS[2])
if not addr then
  return -1
end
local info = redis.call('HMGET', KEYS[1], 'addr', 'status', 'left_id', 'right_id')
if not info[1] then
  return -2
end
if info[1] ~= addr then
  return -3
end
if info[2] == 'ended' then
  return 0
end
finish_room(ARGV[2], KEYS[1], { addr = addr, left_id = info[3], right_id = info[4] }, {
  prefix = ARGV[1], now = ARGV[3], outcome_ttl = ARGV[4], channel = ARGV[5], reason = ARGV[6],
  winner = ARGV[7], scores = ARGV[8], ticks = ARGV[9], ended_ttl = ARGV[10],
  results_key = KEYS[4], load_key = KEYS[3],
})
return 1
