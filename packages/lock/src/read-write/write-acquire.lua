-- Takes the write lease of a read-write lock (issue 19, ADR-0030 "Read-write locks"): only with
-- no writer and no live reader, and with a fence like a mutex's (fence.lua). A writer that has to
-- wait says so in the intent key, which keeps new readers out until it is in (or gives up, or
-- stops asking and the intent expires).
-- KEYS[1]: the writer key; KEYS[2]: its fence counter; KEYS[3]: the readers set; KEYS[4]: the
-- writer's intent. ARGV[1]: token; ARGV[2]: lease in ms; ARGV[3]: how long the intent lasts
-- after this attempt in ms (0: a caller that will not wait announces nothing).
-- Reply: {1, fence} when taken; {0, wait hint in ms (-1: unknown)} while held.
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now = math.floor(now_us / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local writer = redis.call('PTTL', KEYS[1])
if writer ~= -2 or redis.call('ZCARD', KEYS[3]) > 0 then
  local intent = tonumber(ARGV[3])
  local owner = redis.call('GET', KEYS[4])
  if intent > 0 and (owner == false or owner == ARGV[1]) then
    redis.call('SET', KEYS[4], ARGV[1], 'PX', intent)
  end
  if writer >= 0 then return {0, writer} end
  if writer == -1 then return {0, -1} end
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return {1, next_fence(KEYS[2], now_us)}
