-- ADR-0030: a fence is never below Redis TIME in microseconds (`now`). A counter that was lost
-- (evicted, deleted by hand, a restart without persistence) or lags (a failover to a replica that
-- had not received the last INCR) restarts from the clock, which is above every fence issued
-- before, instead of from 1 or from the lagging value. Only a counter already ahead of the clock
-- counts on. The counter never expires. The fence is returned as a string, so all 64 bits arrive.
local function next_fence(key, now)
  local counter = tonumber(redis.call('GET', key) or '0') or 0
  if counter >= now then
    redis.call('INCR', key)
    return redis.call('GET', key)
  end
  local fence = string.format('%.0f', now)
  redis.call('SET', key, fence)
  return fence
end
