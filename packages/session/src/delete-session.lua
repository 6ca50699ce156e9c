-- ARGV: session id. Removes every key of the session and its index entry.
local existed = redis.call('EXISTS', KEYS[1])
drop_session(ARGV[1])
return existed
