-- ARGV: session id, first event index, last event index ('' for no events). One snapshot of
-- meta, state and a range of events. Read-only: a session past its cap reads as absent.
local now = now_ms()
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local expires_at = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if now >= expires_at then return false end
local events = {}
if ARGV[3] ~= '' then events = redis.call('LRANGE', KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[3])) end
return { fields, redis.call('HGETALL', KEYS[2]), events, redis.call('LLEN', KEYS[3]) }
