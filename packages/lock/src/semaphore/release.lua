-- Returns a semaphore permit by token and wakes the waiters (ADR-0030).
-- KEYS[1]: the holders set; ARGV[1]: token; ARGV[2]: the release channel.
-- Reply: 1 released; 0 the permit had already expired (removed all the same).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score == false then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '1')
if tonumber(score) <= now then return 0 end
return 1
