-- ADR-0033: ends every session one owner index listed, in one call on one slot (the owner's hash
-- tag). KEYS[1] the owner's index; then four keys per session, in the order of ARGV (the session
-- ids): meta, state, events, event ids. Returns how many of them still existed.
local ended = 0
for i = 1, #ARGV do
  local base = 1 + (i - 1) * 4
  ended = ended + redis.call('EXISTS', KEYS[base + 1])
  redis.call('UNLINK', KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
return ended
