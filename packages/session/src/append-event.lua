-- ARGV: session id, event id, event JSON, expected version ('' for none), max events (0 for
-- none), idle ms. One call whatever the number of events already stored (ADR-0033).
local session_id, event_id, event_json = ARGV[1], ARGV[2], ARGV[3]
local expected, max_events, idle_ms = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local meta = live_meta(session_id, now)
if not meta then return { 'not-found' } end
-- A retried append is recognised before the version check, so a client that lost the reply
-- and retries with the same expected version is told it already succeeded. SADD both tests and
-- records the id; a conflict takes it back.
if redis.call('SADD', KEYS[4], event_id) == 0 then return { 'duplicate', meta.version } end
if expected ~= '' and tonumber(expected) ~= meta.version then
  redis.call('SREM', KEYS[4], event_id)
  return { 'conflict', meta.version }
end
local version = meta.version + 1
redis.call('RPUSH', KEYS[3], '{"seq":' .. version .. ',"at":' .. now .. ',"event":' .. event_json .. '}')
if max_events > 0 then redis.call('LTRIM', KEYS[3], -max_events, -1) end
redis.call('HSET', KEYS[1], 'version', version, 'updatedAt', now, 'events', meta.events + 1)
refresh_ttls(remaining_ttl(now, idle_ms, meta.expires_at), session_id, now)
return { 'appended', version, now }
