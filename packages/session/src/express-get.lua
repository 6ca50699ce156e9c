-- ADR-0033: an express-session read. KEYS[1] the session hash (fields d: the serialized session,
-- c: created at, ms, Redis TIME; u: its user). ARGV[1] the absolute lifetime cap in ms (0: none).
-- A session past its cap is deleted and reads as absent, whatever its TTL says.
local fields = redis.call('HMGET', KEYS[1], 'd', 'c')
if not fields[1] then return false end
local cap = tonumber(ARGV[1])
if cap > 0 then
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  if now - tonumber(fields[2] or now) >= cap then
    redis.call('UNLINK', KEYS[1])
    return false
  end
end
return fields[1]
