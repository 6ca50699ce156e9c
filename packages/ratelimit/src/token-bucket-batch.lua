-- ADR-0012: the decisions of one tick on one slot in one call (issue 18), each as the script of
-- one decision would take it, in the order given, at one Redis TIME.
-- ARGV[1] the number of decisions; then per decision: its bucket count n, the operation, and
-- 3n bucket arguments (see the prelude's `decide`). KEYS: each decision's n keys, in that order.
-- Reply: one entry per decision, `decide`'s reply or an error of that decision alone.
local decisions = tonumber(ARGV[1])
local keys, args = 0, 1
for _ = 1, decisions do
  local count = tonumber(ARGV[args + 1])
  keys, args = keys + count, args + 2 + 3 * count
end
if keys ~= #KEYS or args ~= #ARGV then
  return redis.error_reply('ERR token bucket batch: the arguments do not match the keys')
end
local now = redis_now_us()
local replies = {}
local k, a = 1, 2
for d = 1, decisions do
  local count = tonumber(ARGV[a])
  replies[d] = decide(k, count, a + 1, now)
  k, a = k + count, a + 2 + 3 * count
end
return replies
