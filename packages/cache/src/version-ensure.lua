-- ADR-0020: the version of a tag or of the namespace epoch that has none (first use, or its key
-- was lost: evicted, deleted by hand, forgotten by a restart). Created from Redis TIME in microseconds, so it is above every
-- version the lost key ever held and every value that recorded one reads as invalidated; an
-- existing version is returned as it is. KEYS[1] version key; ARGV[1] retention in ms, 0 for no
-- expiry (the epoch).
local current = redis.call('GET', KEYS[1])
if current then return current end
local t = redis.call('TIME')
local version = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
if ARGV[1] == '0' then
  redis.call('SET', KEYS[1], version)
else
  redis.call('SET', KEYS[1], version, 'PX', ARGV[1])
end
return version
