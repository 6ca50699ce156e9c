-- ADR-0012: one call decides for every bucket of one subject (the prelude's `decide`).
-- KEYS[i] the string of bucket i; ARGV[1] the operation; ARGV[3i-1..3i+1] per bucket: capacity
-- (units), refill (units per microsecond), cost (units). Reply: `decide`'s.
if #ARGV ~= 1 + 3 * #KEYS then
  return redis.error_reply('ERR token bucket: expected 3 arguments per key')
end
return decide(1, #KEYS, 1, redis_now_us())
