-- ARGV: session id, idle ms. Slides the idle deadline (never past the absolute cap) without
-- changing the version or the listing order.
local session_id, idle_ms = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
local meta = live_meta(session_id, now)
if not meta then return { 'not-found' } end
local ttl = remaining_ttl(now, idle_ms, meta.expires_at)
refresh_ttls(ttl, session_id, nil)
return { 'touched', ttl }
