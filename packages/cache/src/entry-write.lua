-- ADR-0020: write a value unless its id was deleted after the value was read for loading (a loader
-- that started before a delete() must not store what it loaded after the delete resolved).
-- KEYS[1] value key, KEYS[2] the id's delete version (same hash tag, same slot).
-- ARGV[1] entry bytes, ARGV[2] lifetime in ms, ARGV[3] delete version seen before loading.
local deleted = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if deleted > tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
