#!lua flags=allow-oom
-- allow-oom: an invalidation must land even when memory is full (it writes one short version); ADR-0013.
-- ADR-0020: delete a value and record when (Redis TIME, microseconds, strictly increasing), so
-- that a load that read the id before this delete cannot write its value afterwards
-- (entry-write.lua). A soft delete (issue 19, "Soft invalidation") keeps the value and moves its
-- logical expiry (bytes 2-9 of the entry, a big-endian double, ADR-0021) to 0: stale but graced
-- until its grace ends, as any expired value; bytes of another format are deleted.
-- KEYS[1] value key, KEYS[2] delete version; ARGV[1] retention in ms; ARGV[2] '1' for soft.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local old = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if now <= old then now = old + 1 end
redis.call('SET', KEYS[2], string.format('%.0f', now), 'PX', ARGV[1])
if ARGV[2] == '1' and redis.call('GETRANGE', KEYS[1], 0, 0) == '\1' then
  redis.call('SETRANGE', KEYS[1], 2, string.rep('\0', 8))
  return 1
end
return redis.call('DEL', KEYS[1])
