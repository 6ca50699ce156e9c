-- ADR-0020: release a single-flight lease only if it is still ours (it may have expired and been
-- taken by another process meanwhile). KEYS[1] lease key; ARGV[1] our token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
