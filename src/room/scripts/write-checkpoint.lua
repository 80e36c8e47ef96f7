--[[
  write-checkpoint: stores the checkpoints of several rooms (all those due in one tick). Each is
  written only while the room is still placed on this server at the writer's placement epoch (the
  fence: a server the Matcher moved the room away from can never write it again), and unless another
  owner holds a newer state of that room (a stale process after a same-address restart).

  KEYS[2n-1] room:<room>:checkpoint   STRING binary mini.room.v1.WorldState
  KEYS[2n]   room:<room>:info         HASH   addr, epoch (placement; absent = 0)
  ARGV[1] TTL (ms)
  ARGV[2] this server's address
  ARGV[3 + 4(n-1) ..] for room n: the new WorldState bytes, its owner (field 2), its epoch (field 3),
          its placement epoch (field 15)

  The stored owner and epoch are read from the protobuf itself (fields 2 and 3 of WorldState).
  Returns one code per room: 1 written; 0 refused (the stored epoch is higher, or equal but another
  owner's); 2 fenced (the room is placed elsewhere or at a later placement: it moved away; or the
  Matcher has ended it, e.g. as SERVER_LOST, and it must not be played on).
]]

-- A protobuf varint at position i; returns its value and the position after it.
local function varint(s, i)
  local value, scale = 0, 1
  while i <= #s do
    local byte = string.byte(s, i)
    i = i + 1
    value = value + (byte % 128) * scale
    if byte < 128 then return value, i end
    scale = scale * 128
  end
  return value, i
end

-- Owner and epoch of an encoded WorldState (skipping every other field).
local function owner_epoch(s)
  local owner, epoch, i = '', 0, 1
  while i <= #s do
    local tag
    tag, i = varint(s, i)
    local field, wire = math.floor(tag / 8), tag % 8
    if wire == 0 then
      local value
      value, i = varint(s, i)
      if field == 3 then epoch = value end
    elseif wire == 2 then
      local len
      len, i = varint(s, i)
      if field == 2 then owner = string.sub(s, i, i + len - 1) end
      i = i + len
    elseif wire == 1 then
      i = i + 8
    elseif wire == 5 then
      i = i + 4
    else
      break
    end
  end
  return owner, epoch
end

local function write(key, info_key, bytes, new_owner, new_epoch, placement)
  local info = redis.call('HMGET', info_key, 'addr', 'epoch', 'status')
  if info[1] ~= ARGV[2] or tonumber(info[2] or 0) ~= placement or info[3] == 'ended' then
    return 2
  end
  local stored = redis.call('GET', key)
  if stored then
    local owner, epoch = owner_epoch(stored)
    if epoch > new_epoch or (epoch == new_epoch and owner ~= new_owner) then
      return 0
    end
  end
  redis.call('SET', key, bytes, 'PX', ARGV[1])
  return 1
end

local written = {}
for n = 1, #KEYS / 2 do
  local at = 3 + 4 * (n - 1)
  written[n] = write(KEYS[2 * n - 1], KEYS[2 * n], ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]))
end
return written
