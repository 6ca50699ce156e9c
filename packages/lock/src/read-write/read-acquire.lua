-- Takes a read lease of a read-write lock (issue 19, ADR-0030 "Read-write locks"): readers are a
-- sorted set of tokens scored by the expiry of their lease on Redis time, like a semaphore's
-- holders; a reader is let in only while there is no writer and no writer waiting (so a stream of
-- readers cannot starve a writer).
-- KEYS[1]: the writer key; KEYS[2]: the readers set; KEYS[3]: the writer's intent.
-- ARGV[1]: token; ARGV[2]: lease in ms.
-- Reply: {1, readers after} when taken; {0, wait hint in ms (-1: unknown)} when a writer holds
-- the lock or waits for it.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local hint = -1
for _, key in ipairs({ KEYS[1], KEYS[3] }) do
  local pttl = redis.call('PTTL', key)
  -- -1: a key without expiry (not ours); its release is the only wake-up.
  if pttl == -1 then return {0, -1} end
  if pttl > hint then hint = pttl end
end
if hint >= 0 then return {0, hint} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
-- The set expires with its last reader, so an idle lock leaves no key behind.
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]))
return {1, redis.call('ZCARD', KEYS[2])}
