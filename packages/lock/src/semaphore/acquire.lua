-- Takes a permit of a counting semaphore (ADR-0030): a sorted set of holders scored by the
-- expiry of their lease, on Redis time so that client clocks never matter.
-- KEYS[1]: the holders set; ARGV[1]: token; ARGV[2]: limit; ARGV[3]: lease in ms.
-- Reply: {1, holders after} when taken; {0, ms until the earliest holder expires} when full.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
-- The set itself expires with its last holder, so an idle semaphore leaves no key behind.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return {1, count + 1}
