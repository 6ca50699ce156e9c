-- ADR-0033: ends one user's express sessions for good, in one call per slot (every listed session
-- at once on standalone and Sentinel). KEYS: session hashes the user's index listed. ARGV[1] the
-- user, ARGV[2] the least life of a revocation mark in ms. A key whose session is the user's
-- becomes a mark (field r) for the longer of the session's remaining life and ARGV[2], so a request
-- still in flight when this ran cannot write the session back (express-set.lua refuses a mark,
-- express-get.lua reads it as absent). Returns how many sessions it ended.
local ended = 0
local least = tonumber(ARGV[2])
for i = 1, #KEYS do
  if redis.call('HGET', KEYS[i], 'u') == ARGV[1] then
    local left = redis.call('PTTL', KEYS[i])
    redis.call('DEL', KEYS[i])
    redis.call('HSET', KEYS[i], 'r', '1')
    redis.call('PEXPIRE', KEYS[i], math.max(left, least))
    ended = ended + 1
  end
end
return ended
