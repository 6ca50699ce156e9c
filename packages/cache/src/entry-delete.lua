#!lua flags=allow-oom
-- allow-oom: an invalidation must land even when memory is full (it writes one short version); ADR-0013.
-- ADR-0020: delete a value and record when (Redis TIME, microseconds, strictly increasing), so
-- that a load that read the id before this delete cannot write its value afterwards
-- (entry-write.lua). KEYS[1] value key, KEYS[2] delete version; ARGV[1] retention in ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local old = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if now <= old then now = old + 1 end
redis.call('SET', KEYS[2], string.format('%.0f', now), 'PX', ARGV[1])
return redis.call('DEL', KEYS[1])
