-- ADR-0033: the per-user index of express sessions. KEYS[1] the user's set of session ids.
-- ARGV: [1] 'add' or 'remove', [2] the session id, [3] (add) the session's TTL in ms.
-- The set lives as long as its longest session: its expiry is only ever raised.
if ARGV[1] == 'remove' then
  redis.call('SREM', KEYS[1], ARGV[2])
  return 0
end
redis.call('SADD', KEYS[1], ARGV[2])
local ttl = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
