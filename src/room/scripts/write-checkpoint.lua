--[[
  write-checkpoint: stores the checkpoints of several rooms (all those due in one tick), each unless
  another owner holds a newer state of that room, so that a stale process (one whose room was taken
  over) can never overwrite its successor.

  KEYS[n] room:<room>:checkpoint   STRING binary mini.room.v1.WorldState, one key per room
  ARGV[1] TTL (ms)
  ARGV[2 + 3(n-1) ..] for room n: the new WorldState bytes, its owner (field 2), its epoch (field 3)

  The stored owner and epoch are read from the protobuf itself (fields 2 and 3 of WorldState).
  Returns one code per room: 1 written, 0 refused (the stored epoch is higher, or equal but another owner's).
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

local function write(key, bytes, new_owner, new_epoch)
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
for n, key in ipairs(KEYS) do
  local at = 2 + 3 * (n - 1)
  written[n] = write(key, ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]))
end
return written
