-- ADR-0012: the token-bucket decision for every bucket of one subject (all its keys share one
-- hash slot), shared by the script of one decision and the script of a tick's decisions.
--
-- A bucket's key holds struct.pack('<dd', level in units, Redis time in microseconds).
-- decide(k, count, a, now): the buckets KEYS[k .. k+count-1]; ARGV[a] the operation ('consume' |
-- 'peek' | 'refund'), then per bucket i ARGV[a+3i-2 .. a+3i]: capacity (units), refill (units per
-- microsecond), cost (units). Returns { 1 when a request of this cost is refused (after a refund:
-- would be), the level of each bucket after the call (units) }, or an error table when a write
-- was refused (OOM): the decision stops there, as a failing redis.call would stop a script.
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
-- the TTL: this runs once per request and Redis runs scripts one at a time.

local function redis_now_us()
  local clock = redis.call('TIME')
  return clock[1] * 1000000 + clock[2]
end

local function decide(k, count, a, now)
  local operation = ARGV[a]
  if operation ~= 'consume' and operation ~= 'peek' and operation ~= 'refund' then
    return { err = 'ERR token bucket: unknown operation' }
  end
  -- Pass 1: refill every bucket to `now` and check it against its cost.
  local level, stored = {}, {}
  local refused = false
  for i = 1, count do
    local capacity = ARGV[a + 3 * i - 2] + 0
    local state = redis.call('GET', KEYS[k + i - 1])
    local tokens = capacity
    -- A value of another length is not a bucket: it counts as full and is replaced or deleted.
    if state and #state == 16 then
      local at
      tokens, at = struct.unpack('<dd', state)
      if now > at then tokens = tokens + (now - at) * ARGV[a + 3 * i - 1] end
      if tokens > capacity then tokens = capacity end
      if tokens < 0 then tokens = 0 end
    end
    level[i], stored[i] = tokens, state
    if tokens < ARGV[a + 3 * i] + 0 then refused = true end
  end

  -- Pass 2: debit all or none (consume), credit (refund), then store or delete.
  local write = operation == 'refund' or (operation == 'consume' and not refused)
  if operation == 'refund' then refused = false end
  local reply = { 0 }
  for i = 1, count do
    local key = KEYS[k + i - 1]
    local capacity, rate, cost = ARGV[a + 3 * i - 2] + 0, ARGV[a + 3 * i - 1] + 0, ARGV[a + 3 * i] + 0
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
    local written
    if tokens >= capacity then
      if stored[i] then written = redis.pcall('DEL', key) end
    elseif write then
      -- Exact ceil divisions on integers below 2^53 (the float quotient may be off by one).
      local missing = capacity - tokens
      local us = math.floor(missing / rate)
      if us * rate < missing then us = us + 1 end
      if us > 0 and (us - 1) * rate >= missing then us = us - 1 end
      local ms = math.floor(us / 1000)
      if ms * 1000 < us then ms = ms + 1 end
      written = redis.pcall('SET', key, struct.pack('<dd', tokens, now), 'PX', string.format('%d', ms))
    end
    if type(written) == 'table' and written.err then return written end
    reply[i + 1] = tokens
  end
  if refused then reply[1] = 1 end
  return reply
end
