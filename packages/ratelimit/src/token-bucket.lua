-- ADR-0012: one call decides for every bucket of one subject (all KEYS share one hash slot).
--
-- KEYS[i]   the string of bucket i: struct.pack('<dd', level in units, Redis time in microseconds)
-- ARGV[1]   operation: 'consume' | 'peek' | 'refund'
-- ARGV[3i-1..3i+1]  per bucket: capacity (units), refill (units per microsecond), cost (units)
-- Reply: { 1 when a request of this cost is refused (after a refund: would be),
--          the level of each bucket after the call (units) }
--
-- Every quantity is an integer below 2^53 (the caller checks the bounds), so the arithmetic on Lua's
-- doubles is exact, and so is the state: two little-endian IEEE doubles, 16 bytes, read and written
-- without any number formatting. Invariants:
--   * time is Redis TIME, never the client's; an elapsed time below zero counts as zero;
--   * a level never exceeds the capacity and never goes below zero;
--   * 'consume' debits every bucket or none; a refused call writes nothing;
--   * every write is one SET with PX, the exact time until the bucket is full again, so no key ever
--     lacks a TTL, and a call that writes nothing leaves a TTL that is still exact (the level only
--     changes by writes); a bucket that is full is deleted (a missing key means a full bucket).
--
-- The decision path is cut to three commands (TIME, GET, SET) and no string formatting beyond
-- the TTL: this script runs once per request and Redis runs scripts one at a time.

local operation = ARGV[1]
local count = #KEYS
if operation ~= 'consume' and operation ~= 'peek' and operation ~= 'refund' then
  return redis.error_reply('ERR token bucket: unknown operation')
end
if #ARGV ~= 1 + 3 * count then
  return redis.error_reply('ERR token bucket: expected 3 arguments per key')
end
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]

-- Pass 1: refill every bucket to `now` and check it against its cost.
local level, stored = {}, {}
local refused = false
for i = 1, count do
  local capacity = ARGV[3 * i - 1] + 0
  local state = redis.call('GET', KEYS[i])
  local tokens = capacity
  -- A value of another length is not a bucket: it counts as full and is replaced or deleted.
  if state and #state == 16 then
    local at
    tokens, at = struct.unpack('<dd', state)
    if now > at then tokens = tokens + (now - at) * ARGV[3 * i] end
    if tokens > capacity then tokens = capacity end
    if tokens < 0 then tokens = 0 end
  end
  level[i], stored[i] = tokens, state
  if tokens < ARGV[3 * i + 1] + 0 then refused = true end
end

-- Pass 2: debit all or none (consume), credit (refund), then store or delete.
local write = operation == 'refund' or (operation == 'consume' and not refused)
if operation == 'refund' then refused = false end
local reply = { 0 }
for i = 1, count do
  local capacity, rate, cost = ARGV[3 * i - 1] + 0, ARGV[3 * i] + 0, ARGV[3 * i + 1] + 0
  local tokens = level[i]
  if write then
    if operation == 'consume' then
      tokens = tokens - cost
    else
      tokens = tokens + cost
      if tokens > capacity then tokens = capacity end
      if tokens < cost then refused = true end
    end
  end
  if tokens >= capacity then
    if stored[i] then redis.call('DEL', KEYS[i]) end
  elseif write then
    -- Exact ceil divisions on integers below 2^53 (the float quotient may be off by one).
    local missing = capacity - tokens
    local us = math.floor(missing / rate)
    if us * rate < missing then us = us + 1 end
    if us > 0 and (us - 1) * rate >= missing then us = us - 1 end
    local ms = math.floor(us / 1000)
    if ms * 1000 < us then ms = ms + 1 end
    redis.call('SET', KEYS[i], struct.pack('<dd', tokens, now), 'PX', string.format('%d', ms))
  end
  reply[i + 1] = tokens
end
if refused then reply[1] = 1 end
return reply
