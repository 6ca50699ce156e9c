-- A fair waiter that stopped waiting leaves the queue (issue 19, ADR-0030), and the waiters
-- behind it are woken: it may have been the one a free lock or place was kept for.
-- KEYS[1]: the queue; KEYS[2]: its liveness set; ARGV[1]: token; ARGV[2]: the release channel.
-- Reply: 1 when it was queued, else 0.
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank == false then return 0 end
queue_leave(KEYS[1], KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PUBLISH', ARGV[2], '1') end
return 1
