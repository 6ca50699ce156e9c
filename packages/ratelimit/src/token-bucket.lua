-- ADR-0012: one call decides for every bucket of one subject (all KEYS share one hash slot).
--
-- KEYS[i]   the string of bucket i: struct.pack('<dd', level in units, Redis time in microseconds);
--           the first bucket's carries the subject's block too (issue 19), '<ddd': the Redis time
--           in microseconds until which it is blocked, negative for a denial
-- ARGV[1]   operation: 'consume' | 'peek' | 'refund' | 'deny' | 'unblock'
-- ARGV[2]   ms: the penalty ('consume': a refused request blocks the subject this long; 0: none),
--           the denial ('deny'); ignored by the others
-- ARGV[3i..3i+2]  per bucket: capacity (units), refill (units per microsecond), cost (units)
-- Reply: { 1 when a request of this cost is refused (after a refund: would be),
--          the level of each bucket after the call (units),
--          the block's remaining ms, 0 when none, negative for a denial }
--
-- Every quantity is an integer below 2^53 (the caller checks the bounds), so the arithmetic on Lua's
-- doubles is exact, and so is the state: little-endian IEEE doubles, read and written without any
-- number formatting. Invariants:
--   * time is Redis TIME, never the client's; an elapsed time below zero counts as zero;
--   * a level never exceeds the capacity and never goes below zero;
--   * 'consume' debits every bucket or none; a refused call writes nothing but a penalty it starts;
--   * a blocked subject is refused whatever its buckets hold, and nothing is debited;
--   * every write is one SET with PX, the exact time until the bucket is full again (for the
--     first bucket while a block runs, the later of that and the block's end), so no key ever
--     lacks a TTL, and a call that writes nothing leaves a TTL that is still exact (the state
--     only changes by writes); a full bucket without a block is deleted (a missing key means a
--     full bucket).
--
-- The block lives in a bucket's key, not a key of its own: a decision stays TIME, then a GET and
-- at most one SET per bucket, and every key it names exists whenever its buckets are in use (a
-- key of its own, missing nearly always, would make the call TRYAGAIN during a slot migration).

local operation = ARGV[1]
local count = #KEYS
if operation ~= 'consume' and operation ~= 'peek' and operation ~= 'refund' and operation ~= 'deny'
  and operation ~= 'unblock' then
  return redis.error_reply('ERR token bucket: unknown operation')
end
if #ARGV ~= 2 + 3 * count then
  return redis.error_reply('ERR token bucket: expected 3 arguments per key')
end
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]

-- Pass 1: refill every bucket to `now` and check it against its cost; read the block.
local level, stored = {}, {}
local refused = false
local held = 0 -- the block in force: until when (microseconds), negative for a denial
for i = 1, count do
  local capacity = ARGV[3 * i] + 0
  local state = redis.call('GET', KEYS[i])
  local tokens = capacity
  -- A value of another length is not a bucket: it counts as full and is replaced or deleted.
  if state and (#state == 16 or (i == 1 and #state == 24)) then
    local at, block
    tokens, at, block = struct.unpack(#state == 16 and '<dd' or '<ddd', state)
    if now > at then tokens = tokens + (now - at) * ARGV[3 * i + 1] end
    if tokens > capacity then tokens = capacity end
    if tokens < 0 then tokens = 0 end
    if #state == 24 and math.abs(block) > now then held = block end
  end
  level[i], stored[i] = tokens, state
  if tokens < ARGV[3 * i + 2] + 0 then refused = true end
end

-- The block after this call: a denial or a lift replaces it; a refused consume of a subject not
-- blocked starts the penalty.
local block = held
if operation == 'deny' then
  block = -(now + ARGV[2] * 1000)
elseif operation == 'unblock' then
  block = 0
elseif operation == 'consume' and refused and held == 0 and ARGV[2] + 0 > 0 then
  block = now + ARGV[2] * 1000
end
-- Its remaining milliseconds, rounded up (exact on integers below 2^53).
local block_ms = 0
if block ~= 0 then
  local us = math.abs(block) - now
  block_ms = math.floor(us / 1000)
  if block_ms * 1000 < us then block_ms = block_ms + 1 end
end

-- Pass 2: debit all or none (consume), credit (refund), then store or delete. The first bucket is
-- also written when the block changed.
local write = operation == 'refund' or (operation == 'consume' and not refused and block == 0)
if operation == 'refund' then refused = false end
local reply = { 0 }
for i = 1, count do
  local capacity, rate, cost = ARGV[3 * i] + 0, ARGV[3 * i + 1] + 0, ARGV[3 * i + 2] + 0
  local tokens = level[i]
  local blocking = i == 1 and block ~= 0
  if write then
    if operation == 'consume' then
      tokens = tokens - cost
    else
      tokens = tokens + cost
      if tokens > capacity then tokens = capacity end
      if tokens < cost then refused = true end
    end
  end
  local changed = write or (i == 1 and block ~= held)
  if tokens >= capacity and not blocking then
    if stored[i] then redis.call('DEL', KEYS[i]) end
  elseif changed then
    -- Exact ceil divisions on integers below 2^53 (the float quotient may be off by one).
    local missing = capacity - tokens
    local us = math.floor(missing / rate)
    if us * rate < missing then us = us + 1 end
    if us > 0 and (us - 1) * rate >= missing then us = us - 1 end
    local ms = math.floor(us / 1000)
    if ms * 1000 < us then ms = ms + 1 end
    if blocking then
      if block_ms > ms then ms = block_ms end
      redis.call('SET', KEYS[i], struct.pack('<ddd', tokens, now, block), 'PX', string.format('%d', ms))
    else
      redis.call('SET', KEYS[i], struct.pack('<dd', tokens, now), 'PX', string.format('%d', ms))
    end
  end
  reply[i + 1] = tokens
end
if refused or block ~= 0 then reply[1] = 1 end
reply[count + 2] = block < 0 and -block_ms or block_ms
return reply
