-- ARGV: session id, event id, event JSON, expected version ('' for none), max events (0 for
-- none), idle ms, idempotency window (how many of the newest event ids are kept). One call
-- whatever the number of events already stored (ADR-0033).
local session_id, event_id, event_json = ARGV[1], ARGV[2], ARGV[3]
local expected, max_events, idle_ms = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local window = tonumber(ARGV[7])
local now = now_ms()
local meta = live_meta(session_id, now)
if not meta then return { 'not-found' } end
-- ADR-0033: a session written before the window kept a plain set of every event id; it becomes
-- the window once, its ids ranked before every newer one (score 0), so no retry is missed.
if redis.call('TYPE', KEYS[4]).ok == 'set' then
  local ids = redis.call('SMEMBERS', KEYS[4])
  redis.call('DEL', KEYS[4])
  for i = 1, #ids, 500 do
    local args = {}
    for j = i, math.min(i + 499, #ids) do
      args[#args + 1] = 0
      args[#args + 1] = ids[j]
    end
    redis.call('ZADD', KEYS[4], unpack(args))
  end
end
-- A retried append is recognised before the version check, so a client that lost the reply
-- and retries with the same expected version is told it already succeeded.
if redis.call('ZSCORE', KEYS[4], event_id) then return { 'duplicate', meta.version } end
if expected ~= '' and tonumber(expected) ~= meta.version then
  return { 'conflict', meta.version }
end
local version = meta.version + 1
redis.call('RPUSH', KEYS[3], '{"seq":' .. version .. ',"at":' .. now .. ',"event":' .. event_json .. '}')
if max_events > 0 then redis.call('LTRIM', KEYS[3], -max_events, -1) end
-- The window: the ids of the newest `window` appends, by seq. The oldest leaves before the new
-- one comes, so the set never holds more than `window` (and stays in Redis' compact encoding).
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -window)
redis.call('ZADD', KEYS[4], version, event_id)
redis.call('HSET', KEYS[1], 'version', version, 'updatedAt', now, 'events', meta.events + 1)
refresh_ttls(remaining_ttl(now, idle_ms, meta.expires_at), session_id, now)
return { 'appended', version, now }
