#!lua flags=allow-oom
-- allow-oom: an invalidation must land even when memory is full (it writes one short version); ADR-0013.
-- ADR-0020: a new version for a tag or for the namespace epoch, from Redis TIME in microseconds,
-- strictly above the current one (a failover to a node whose clock is behind cannot reuse one).
-- The key keeps the longer of its current TTL and the retention asked for, so it outlives every
-- value that recorded it (those values extend it when they are written, see version-touch.lua).
-- A soft bump (issue 19, "Soft invalidation") stores "<new>:<floor>": values that recorded a
-- version below the new one and at or above the floor (the last hard bump's) are stale but
-- graced, those below the floor stay invalid. A hard bump stores the new version alone.
-- KEYS[1] version key; ARGV[1] retention in ms, 0 for no expiry; ARGV[2] '1' for a soft bump.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local raw = redis.call('GET', KEYS[1])
local old, floor = 0, nil
if raw then
  local current, soft = string.match(raw, '^(%d+):(%d+)$')
  old = tonumber(current or raw) or 0
  floor = soft or current or raw
end
if now <= old then now = old + 1 end
local version = string.format('%.0f', now)
-- A soft bump of a key that is missing is hard: values that recorded it are invalid already.
if ARGV[2] == '1' and floor then version = version .. ':' .. floor end
local retention = tonumber(ARGV[1])
if retention == 0 then
  redis.call('SET', KEYS[1], version)
else
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl > retention then retention = pttl end
  redis.call('SET', KEYS[1], version, 'PX', retention)
end
return version
