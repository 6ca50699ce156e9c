-- Acquires one or several locks, all or nothing (ADR-0030).
-- KEYS[1..n]: lock keys; KEYS[n+1..2n]: their fence counters (every key in one hash slot);
-- fair (one lock): KEYS[3], KEYS[4]: its queue and the queue's liveness set (queue.lua).
-- ARGV[1]: the holder's random token; ARGV[2]: the lease in ms; fair: ARGV[3], the queue's
-- liveness window in ms (0: a caller that will not wait, which is never queued).
-- Reply: {1, fence1, ..., fenceN} when acquired; {0, wait hint in ms (-1: unknown)} when held,
-- or when free but kept for a fair waiter ahead.
local fair = ARGV[3] ~= nil
local n = fair and 1 or #KEYS / 2
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if fair then
  -- Issue 19: a fair caller takes the lock only when it is free and nobody is queued ahead.
  local now_ms = math.floor(now / 1000)
  queue_prune(KEYS[3], KEYS[4], now_ms)
  if queue_ahead(KEYS[3], ARGV[1]) > 0 or redis.call('EXISTS', KEYS[1]) == 1 then
    local liveness = tonumber(ARGV[3])
    if liveness > 0 then queue_join(KEYS[3], KEYS[4], ARGV[1], now, now_ms, liveness) end
    local pttl = redis.call('PTTL', KEYS[1])
    return {0, pttl > 0 and pttl or -1}
  end
  queue_leave(KEYS[3], KEYS[4], ARGV[1])
end
-- SET NX PX each key; at the first one held, the keys set by this call are deleted again (the
-- script is atomic: nobody saw them) and the reply is the wait hint over the keys held. A free
-- lock thus costs one command per key, not a PTTL check before it (issue 18).
for i = 1, n do
  if not redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then
    for j = 1, i - 1 do redis.call('DEL', KEYS[j]) end
    local hint = 0
    for j = i, n do
      local pttl = redis.call('PTTL', KEYS[j])
      -- -1: a key without expiry (not ours); its release is the only wake-up.
      if pttl == -1 or hint == -1 then hint = -1 elseif pttl > hint then hint = pttl end
    end
    return {0, hint}
  end
end
-- A fence per lock, from its counter (fence.lua).
local reply = {1}
for i = 1, n do reply[i + 1] = next_fence(KEYS[n + i], now) end
return reply
