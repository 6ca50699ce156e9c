-- ARGV: session id, expected version ('' for none), idle ms, number of fields to set, then the
-- field/value pairs to set, then the fields to delete.
local session_id, expected, idle_ms, set_count = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local meta = live_meta(session_id, now)
if not meta then return { 'not-found' } end
if expected ~= '' and tonumber(expected) ~= meta.version then return { 'conflict', meta.version } end
local first_delete = 5 + set_count * 2
if set_count > 0 then redis.call('HSET', KEYS[2], unpack(ARGV, 5, first_delete - 1)) end
if #ARGV >= first_delete then redis.call('HDEL', KEYS[2], unpack(ARGV, first_delete)) end
local version = meta.version + 1
redis.call('HSET', KEYS[1], 'version', version, 'updatedAt', now)
refresh_ttls(remaining_ttl(now, idle_ms, meta.expires_at), session_id, now)
return { 'updated', version, now }
