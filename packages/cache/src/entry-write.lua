-- ADR-0020: write a value unless its id was deleted after the value was read for loading (a loader
-- that started before a delete() must not store what it loaded after the delete resolved).
-- KEYS[1] value key, KEYS[2] the id's delete version (same hash tag, same slot).
-- ARGV[1] entry bytes, ARGV[2] lifetime in ms, ARGV[3] delete version seen before loading (0:
-- none; -1: an explicit set, written whatever was deleted).
-- A delete version that was seen and is now missing was lost (evicted, deleted by hand, forgotten
-- by a restart): the delete it recorded may be newer than the load, so nothing is written.
local seen = tonumber(ARGV[3])
if seen >= 0 then
  local raw = redis.call('GET', KEYS[2])
  if not raw then
    if seen > 0 then return 0 end
  elseif tonumber(raw) > seen then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
