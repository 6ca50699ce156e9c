-- ARGV: session id, app name, user id, idle ms, absolute ms, then state field/value pairs.
local session_id, idle_ms, absolute_ms = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', KEYS[1]) == 1 then return { 'exists' } end
local now = now_ms()
redis.call('HSET', KEYS[1], 'appName', ARGV[2], 'userId', ARGV[3], 'version', 0, 'createdAt', now,
  'updatedAt', now, 'expiresAt', now + absolute_ms, 'events', 0)
if #ARGV > 5 then redis.call('HSET', KEYS[2], unpack(ARGV, 6)) end
refresh_ttls(remaining_ttl(now, idle_ms, now + absolute_ms), session_id, now)
return { 'created', now }
