-- A writer that stopped waiting withdraws its intent (issue 19, ADR-0030), and the readers held
-- back by it are woken. KEYS[1]: the intent; ARGV[1]: token; ARGV[2]: the release channel.
-- Reply: 1 when it was this writer's, else 0.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1
