-- Fair waiting (issue 19, ADR-0030): the waiters of one resource, first come first served.
-- queue: a sorted set of waiter tokens scored by arrival (Redis time in microseconds);
-- alive: the same tokens scored by the Redis time (ms) after which a waiter that stopped asking
-- (its process gone) is passed over. Both keys expire a liveness window after the last waiter
-- asked, and Redis deletes a sorted set that becomes empty, so an idle queue leaves no key.

-- Drops the waiters whose window ran out (at most 64 a call: each call drops more).
local function queue_prune(queue, alive, now_ms)
  local gone = redis.call('ZRANGEBYSCORE', alive, '-inf', now_ms, 'LIMIT', 0, 64)
  if #gone > 0 then
    redis.call('ZREM', queue, unpack(gone))
    redis.call('ZREM', alive, unpack(gone))
  end
end

-- How many waiters are ahead of `token`: its rank, or the whole queue when it is not in it.
local function queue_ahead(queue, token)
  return redis.call('ZRANK', queue, token) or redis.call('ZCARD', queue)
end

-- Queues `token` (keeping its place when it is queued already) for another `liveness` ms.
local function queue_join(queue, alive, token, now_us, now_ms, liveness)
  redis.call('ZADD', queue, 'NX', now_us, token)
  redis.call('ZADD', alive, now_ms + liveness, token)
  redis.call('PEXPIRE', queue, liveness)
  redis.call('PEXPIRE', alive, liveness)
end

local function queue_leave(queue, alive, token)
  redis.call('ZREM', queue, token)
  redis.call('ZREM', alive, token)
end
