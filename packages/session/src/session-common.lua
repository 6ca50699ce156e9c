-- Shared prelude of every session script (ADR-0033). The TypeScript loader prepends it to each
-- script body, so the rules below are written once.
-- Key order in every script: KEYS[1] meta hash, KEYS[2] state hash, KEYS[3] event list,
-- KEYS[4] event-id window (a sorted set by seq), KEYS[5] per-user index (all in one slot: one hash tag).

-- Redis time in milliseconds: the one clock every client shares.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A session lives until the earlier of its sliding idle deadline and its absolute cap.
local function remaining_ttl(now, idle_ms, expires_at)
  local left = expires_at - now
  if left < idle_ms then return left end
  return idle_ms
end

-- Every key of a session expires together; the index lives at least as long as its
-- longest-lived session. No key is ever left without a TTL.
-- (PEXPIRE of a key that does not exist yet, such as an empty state, is a no-op.)
local function refresh_ttls(ttl, session_id, score)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  if score then redis.call('ZADD', KEYS[5], score, session_id) end
  if redis.call('PTTL', KEYS[5]) < ttl then redis.call('PEXPIRE', KEYS[5], ttl) end
end

local function drop_session(session_id)
  redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  redis.call('ZREM', KEYS[5], session_id)
end

-- Loads the meta hash of a live session, or nil (and removes a session past its absolute cap).
local function live_meta(session_id, now)
  local fields = redis.call('HMGET', KEYS[1], 'version', 'expiresAt', 'events')
  if not fields[1] then return nil end
  local expires_at = tonumber(fields[2])
  if now >= expires_at then
    drop_session(session_id)
    return nil
  end
  return { version = tonumber(fields[1]), expires_at = expires_at, events = tonumber(fields[3]) }
end
