-- ADR-0012: one call decides for every bucket of one subject, or of several subjects at once
-- (issue 19, combined limits), all KEYS in one hash slot.
--
-- KEYS[i]   the string of bucket i: struct.pack('<dd', level in units, Redis time in microseconds);
--           a subject's first bucket carries its block too (issue 19), '<ddd': the Redis time in
--           microseconds until which it is blocked, negative for a denial
-- ARGV[1]   operation: 'consume' | 'peek' | 'refund' | 'deny' | 'unblock'
-- ARGV[2]   the denial's ms ('deny'); one subject's call: also its penalty in ms ('consume': a
--           refusal by its buckets blocks it this long; 0: none); else ignored
-- then, per bucket, one of two layouts (issue 18: a one-subject decision, every request's path,
-- sends one argument fewer per bucket):
--   one subject, 3 per bucket: capacity (units), refill (units per microsecond), cost (units)
--   several subjects (combined limits), 4 per bucket: the same three, and -1 for a bucket that is
--   not its subject's first, else the subject's penalty in ms
-- Reply: { 1 when a request of this cost is refused (after a refund: would be),
--          the level of each bucket after the call (units),
--          for each bucket, its subject's block's remaining ms on the subject's first bucket (0
--          when none, negative for a denial), 0 on the others }
--
-- Every quantity is an integer below 2^53 (the caller checks the bounds), so the arithmetic on Lua's
-- doubles is exact, and so is the state: little-endian IEEE doubles, read and written without any
-- number formatting. Invariants:
--   * time is Redis TIME, never the client's; an elapsed time below zero counts as zero;
--   * a level never exceeds the capacity and never goes below zero;
--   * 'consume' debits every bucket or none; a refused call writes nothing but a penalty it starts;
--   * a blocked subject is refused whatever its buckets hold, and nothing is debited;
--   * every write is one SET with PX, the exact time until the bucket is full again (for a
--     subject's first bucket while a block runs, the later of that and the block's end), so no
--     key ever lacks a TTL, and a call that writes nothing leaves a TTL that is still exact (the
--     state only changes by writes); a full bucket without a block is deleted (a missing key
--     means a full bucket).
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
local stride = (#ARGV - 2) / count
if stride ~= 3 and stride ~= 4 then
  return redis.error_reply('ERR token bucket: expected 3 or 4 arguments per key')
end
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]

-- Pass 1: refill every bucket to `now` and check it against its cost; read each subject's block
-- (on its first bucket, which its other buckets follow) and, once its buckets are read, decide
-- it: a denial or a lift replaces it; a consume its own buckets refuse starts its penalty, unless
-- it is blocked already.
local level, stored, held, block = {}, {}, {}, {}
local refused, blocked = false, false
local head, head_refused = 0, false
-- Bucket `count + 1` stands for the end: there the last subject is decided.
for i = 1, count + 1 do
  local at = 2 + stride * (i - 1) -- the bucket's arguments are ARGV[at + 1 ..]
  local is_first = i > count or i == 1 or (stride == 4 and ARGV[at + 4] + 0 >= 0)
  if is_first and head > 0 then
    local b = held[head]
    if operation == 'deny' then
      b = -(now + ARGV[2] * 1000)
    elseif operation == 'unblock' then
      b = 0
    else
      local penalty = stride == 3 and ARGV[2] + 0 or ARGV[2 + stride * head] + 0
      if operation == 'consume' and head_refused and b == 0 and penalty > 0 then
        b = now + penalty * 1000
      end
    end
    block[head] = b
    if b ~= 0 then blocked = true end
  end
  if i > count then break end
  local capacity = ARGV[at + 1] + 0
  if is_first then
    head, head_refused = i, false
    held[i] = 0
  end
  local state = redis.call('GET', KEYS[i])
  local tokens = capacity
  -- A value of another length is not a bucket: it counts as full and is replaced or deleted.
  if state and (#state == 16 or (is_first and #state == 24)) then
    local stamp, b
    tokens, stamp, b = struct.unpack(#state == 16 and '<dd' or '<ddd', state)
    if now > stamp then tokens = tokens + (now - stamp) * ARGV[at + 2] end
    if tokens > capacity then tokens = capacity end
    if tokens < 0 then tokens = 0 end
    if #state == 24 and math.abs(b) > now then held[i] = b end
  end
  level[i], stored[i] = tokens, state
  if tokens < ARGV[at + 3] + 0 then
    refused, head_refused = true, true
  end
end

-- Pass 2: debit all or none (consume), credit (refund), then store or delete. A subject's first
-- bucket is also written when its block changed.
local write = operation == 'refund' or (operation == 'consume' and not refused and not blocked)
if operation == 'refund' then refused = false end
local reply = { 0 }
for i = 1, count do
  local at = 2 + stride * (i - 1)
  local capacity, rate, cost = ARGV[at + 1] + 0, ARGV[at + 2] + 0, ARGV[at + 3] + 0
  local tokens = level[i]
  local b = block[i] -- nil on a bucket that is not its subject's first
  local blocking = b ~= nil and b ~= 0
  -- A block's remaining ms, rounded up, negative for a denial; 0 without one.
  local block_ms = 0
  if blocking then
    local us = math.abs(b) - now
    block_ms = math.floor(us / 1000)
    if block_ms * 1000 < us then block_ms = block_ms + 1 end
  end
  if write then
    if operation == 'consume' then
      tokens = tokens - cost
    else
      tokens = tokens + cost
      if tokens > capacity then tokens = capacity end
      if tokens < cost then refused = true end
    end
  end
  if tokens >= capacity and not blocking then
    if stored[i] then redis.call('DEL', KEYS[i]) end
  elseif write or (b ~= nil and b ~= held[i]) then
    -- Exact ceil divisions on integers below 2^53 (the float quotient may be off by one).
    local missing = capacity - tokens
    local us = math.floor(missing / rate)
    if us * rate < missing then us = us + 1 end
    if us > 0 and (us - 1) * rate >= missing then us = us - 1 end
    local ms = math.floor(us / 1000)
    if ms * 1000 < us then ms = ms + 1 end
    if blocking then
      if block_ms > ms then ms = block_ms end
      redis.call('SET', KEYS[i], struct.pack('<ddd', tokens, now, b), 'PX', string.format('%d', ms))
    else
      redis.call('SET', KEYS[i], struct.pack('<dd', tokens, now), 'PX', string.format('%d', ms))
    end
  end
  reply[i + 1] = tokens
  reply[count + 1 + i] = (b ~= nil and b < 0) and -block_ms or block_ms
end
if refused or blocked then reply[1] = 1 end
return reply
