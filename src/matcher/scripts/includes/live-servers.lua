-- live_servers: the room servers of the load set (KEYS room_servers:load) that take rooms now (lease
-- running, status live), each with its load and capacity; a server whose lease ran out leaves the
-- set here. `except` is an address to leave out ('' for none). least_loaded picks the server with
-- free capacity that has the fewest rooms (seed §7.1), or nil. Included by claim-pairs and move-rooms.
local function live_servers(prefix, load_key, except)
  local servers = {}
  local loads = redis.call('ZRANGE', load_key, 0, -1, 'WITHSCORES')
  for i = 1, #loads, 2 do
    local addr = loads[i]
    local info = redis.call('HMGET', prefix .. 'room_server:' .. addr, 'capacity', 'status')
    if not info[1] then
      redis.call('ZREM', load_key, addr)
    elseif info[2] == 'live' and addr ~= except then
      table.insert(servers, { addr = addr, load = tonumber(loads[i + 1]), capacity = tonumber(info[1]), added = 0 })
    end
  end
  return servers
end

local function least_loaded(servers)
  local best = nil
  for _, s in ipairs(servers) do
    if s.load < s.capacity and (best == nil or s.load < best.load) then best = s end
  end
  return best
end
