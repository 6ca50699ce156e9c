-- Extends a semaphore permit by token, on Redis time (ADR-0030).
-- KEYS[1]: the holders set; ARGV[1]: token; ARGV[2]: the new lease in ms.
-- Reply: 1 refreshed; 0 the permit had expired (it is removed, never re-taken: redis-semaphore#175).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score == false then return 0 end
if tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return 1
