-- ADR-0012: one call decides for every bucket of one subject (all KEYS share one hash slot).
--
-- KEYS[i]   the hash of bucket i: field tk = level in units, field ts = Redis time in microseconds
-- ARGV[1]   operation: 'consume' | 'peek' | 'refund'
-- ARGV[2+3(i-1)..4+3(i-1)]  per bucket: capacity (units), refill (units per microsecond), cost (units)
-- Reply: { Redis time (us), 1 when a request of this cost is refused (after a refund: would be),
--          the level of each bucket after the call (units) }
--
-- Every quantity is an integer below 2^53 (the caller checks the bounds), so the arithmetic on Lua's
-- doubles is exact: no drift, no rounding, whatever the number of calls.
-- Invariants:
--   * time is Redis TIME, never the client's; an elapsed time below zero counts as zero;
--   * a level never exceeds the capacity and never goes below zero;
--   * 'consume' debits every bucket or none; a refused call writes no level;
--   * after any call, a stored bucket has a TTL equal to the time until it is full again, and a
--     bucket that is full is deleted (a missing key means a full bucket).

local operation = ARGV[1]
if operation ~= 'consume' and operation ~= 'peek' and operation ~= 'refund' then
  return redis.error_reply('ERR token bucket: unknown operation')
end
if #ARGV ~= 1 + 3 * #KEYS then
  return redis.error_reply('ERR token bucket: expected 3 arguments per key')
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

-- Exact ceil(a / b) for non-negative integers below 2^53: the float quotient may be off by one.
local function ceil_div(a, b)
  local q = math.floor(a / b)
  if q * b < a then q = q + 1 end
  if q > 0 and (q - 1) * b >= a then q = q - 1 end
  return q
end

local count = #KEYS
local capacity, rate, cost, level, stored = {}, {}, {}, {}, {}
local refused = false

for i = 1, count do
  local base = 2 + (i - 1) * 3
  capacity[i] = tonumber(ARGV[base])
  rate[i] = tonumber(ARGV[base + 1])
  cost[i] = tonumber(ARGV[base + 2])
  local state = redis.call('HMGET', KEYS[i], 'tk', 'ts')
  local tokens, at = tonumber(state[1]), tonumber(state[2])
  if tokens == nil or at == nil then
    stored[i] = false
    level[i] = capacity[i]
  else
    stored[i] = true
    local elapsed = now - at
    if elapsed < 0 then elapsed = 0 end
    local refilled = tokens + elapsed * rate[i]
    if refilled > capacity[i] then refilled = capacity[i] end
    if refilled < 0 then refilled = 0 end
    level[i] = refilled
  end
  if level[i] < cost[i] then refused = true end
end

local write = false
if operation == 'consume' and not refused then
  write = true
  for i = 1, count do level[i] = level[i] - cost[i] end
elseif operation == 'refund' then
  write = true
  refused = false
  for i = 1, count do
    level[i] = level[i] + cost[i]
    if level[i] > capacity[i] then level[i] = capacity[i] end
    if level[i] < cost[i] then refused = true end
  end
end

local reply = { now, refused and 1 or 0 }
for i = 1, count do
  local key = KEYS[i]
  if level[i] >= capacity[i] then
    if stored[i] then redis.call('DEL', key) end
  else
    if write then
      redis.call('HSET', key, 'tk', string.format('%.0f', level[i]), 'ts', string.format('%.0f', now))
    end
    if write or stored[i] then
      local full_us = ceil_div(capacity[i] - level[i], rate[i])
      redis.call('PEXPIRE', key, string.format('%.0f', ceil_div(full_us, 1000)))
    end
  end
  reply[i + 2] = level[i]
end
return reply
