-- Releases a held lock (every key of it), compare-and-delete on the token, and wakes the waiters.
-- KEYS: lock keys; ARGV[1]: token; ARGV[2..]: the release channel of each key, in KEYS order.
-- Reply: 1 released; 0 a key had already expired; -1 a key belongs to another holder.
-- Keys still ours are deleted in every case, so a partly expired multi-lock leaves nothing behind.
local reply = 1
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value == ARGV[1] then
    redis.call('DEL', KEYS[i])
    redis.call('PUBLISH', ARGV[i + 1], '1')
  elseif value == false then
    if reply == 1 then reply = 0 end
  else
    reply = -1
  end
end
return reply
