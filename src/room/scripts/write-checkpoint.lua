--[[
  write-checkpoint: stores a room's checkpoint unless another owner holds a newer state of the room,
  so that a stale process (one whose room was taken over) can never overwrite its successor.

  KEYS[1] room:<room>:checkpoint   STRING binary mini.room.v1.WorldState
  ARGV[1] the new WorldState bytes
  ARGV[2] its owner (field 2)      ARGV[3] its epoch (field 3)
  ARGV[4] TTL (ms)

  The stored owner and epoch are read from the protobuf itself (fields 2 and 3 of WorldState).
  Returns 1 when written, 0 when refused: the stored epoch is higher, or equal but another owner's.
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

local stored = redis.call('GET', KEYS[1])
if stored then
  local owner, epoch = owner_epoch(stored)
  local new_epoch = tonumber(ARGV[3])
  if epoch > new_epoch or (epoch == new_epoch and owner ~= ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 1
