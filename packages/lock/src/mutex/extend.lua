-- Extends a held lock (every key of it), compare-and-set on the token (ADR-0030).
-- KEYS: lock keys; ARGV[1]: token; ARGV[2]: the new lease in ms.
-- Reply: 1 extended; 0 a key no longer exists (expired); -1 a key belongs to another holder.
-- It never re-creates a missing key: an expired lock stays lost (redis-semaphore#175).
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value == false then return 0 end
  if value ~= ARGV[1] then return -1 end
end
for i = 1, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 1
