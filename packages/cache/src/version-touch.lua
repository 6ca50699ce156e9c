-- ADR-0020: a value is about to be written that carries this tag: make sure the tag's version key
-- lives at least as long as the value, so that the version the value recorded cannot expire and
-- come back as "never invalidated" while the value is still readable. A key lost since the load
-- read it comes back from Redis TIME (as in version-ensure.lua), above what this value recorded:
-- the value then reads as invalidated, never an older one as current.
-- KEYS[1] version key; ARGV[1] the value's lifetime in ms.
if redis.call('PEXPIRE', KEYS[1], ARGV[1], 'GT') == 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[1], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])), 'PX', ARGV[1])
end
return 1
