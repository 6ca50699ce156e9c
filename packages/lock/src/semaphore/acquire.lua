-- Takes a permit of a counting semaphore (ADR-0030): a sorted set of holders scored by the
-- expiry of their lease, on Redis time so that client clocks never matter.
-- KEYS[1]: the holders set; fair: KEYS[2], KEYS[3], the queue and its liveness set (queue.lua).
-- ARGV[1]: token; ARGV[2]: limit; ARGV[3]: lease in ms; fair: ARGV[4], the queue's liveness
-- window in ms (0: a caller that will not wait, which is never queued).
-- Reply: {1, holders after} when taken; {0, ms until the earliest holder expires} when full;
-- {0, -1} when a place is free but kept for a fair waiter ahead.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[2])
-- Issue 19: a fair caller (KEYS[2]) takes a place only when one is free for each waiter ahead
-- of it too.
local fair, ahead = KEYS[2] ~= nil, 0
if fair then
  queue_prune(KEYS[2], KEYS[3], now)
  ahead = queue_ahead(KEYS[2], ARGV[1])
end
if count + ahead >= limit then
  if fair and tonumber(ARGV[4]) > 0 then
    local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
    queue_join(KEYS[2], KEYS[3], ARGV[1], now_us, now, tonumber(ARGV[4]))
  end
  if count < limit then return {0, -1} end
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
if fair then queue_leave(KEYS[2], KEYS[3], ARGV[1]) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
-- The set itself expires with its last holder, so an idle semaphore leaves no key behind.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return {1, count + 1}
