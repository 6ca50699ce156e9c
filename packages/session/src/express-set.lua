-- ADR-0033: an express-session write or touch, in one call on one key. KEYS[1] the session hash.
-- ARGV: [1] mode ('set' writes the value, 'touch' only its expiry, and only if it exists),
-- [2] TTL in ms (the cookie's remaining life: never raised), [3] the absolute cap in ms (0: none),
-- [4] the serialized session, [5] its user ('' when none), [6] the session id (listed by ids()).
-- The creation time is set once (Redis TIME); the expiry is the TTL, cut to what the cap leaves.
-- Returns the expiry applied in ms, 0 when the session ended (past its cap, revoked, or absent on
-- touch).
-- A session revokeAll ended is a mark (field r) until no request that loaded it can still write.
if redis.call('HEXISTS', KEYS[1], 'r') == 1 then return 0 end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if ARGV[1] == 'touch' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local created = tonumber(redis.call('HGET', KEYS[1], 'c') or now)
local ttl = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
if cap > 0 then ttl = math.min(ttl, created + cap - now) end
if ttl <= 0 then
  redis.call('UNLINK', KEYS[1])
  return 0
end
if ARGV[1] == 'set' then
  redis.call('HSET', KEYS[1], 'd', ARGV[4], 'c', created, 'i', ARGV[6])
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'u', ARGV[5]) else redis.call('HDEL', KEYS[1], 'u') end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return ttl
