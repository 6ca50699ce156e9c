// ADR-0030: every lease is tracked on the monotonic clock (performance.now()), from the moment
// the command that set it was SENT, never from when its reply arrived: the reply can be late by
// any amount (a slow network, a paused event loop), but the lease cannot have started before the
// request left. A wall-clock jump (NTP, a VM resumed) moves neither clock we rely on: Redis counts
// PX itself, and performance.now() never goes back.

/** The clock every lease deadline is measured on. */
export const monotonicNow: () => number = () => performance.now()

/** Share of the TTL allowed for the drift between the Redis server's timer and ours. */
export const CLOCK_DRIFT_FACTOR = 0.01
/** Added to the drift: a timer fires late on a busy event loop (tens of ms on a loaded host). */
export const TIMER_SLACK_MS = 50

/** The safety margin of a lease of `ttlMs`: the deadline is this much before the lease ends. */
export function leaseMarginMs(ttlMs: number): number {
  return Math.ceil(ttlMs * CLOCK_DRIFT_FACTOR) + TIMER_SLACK_MS
}

/** The last moment (monotonic ms) a holder may rely on a lease of `ttlMs` sent at `sentAt`. */
export function leaseDeadline(sentAt: number, ttlMs: number): number {
  return sentAt + ttlMs - leaseMarginMs(ttlMs)
}

/** When auto-extension renews a lease sent at `sentAt`: with a third of its TTL left. */
export function extensionDueAt(sentAt: number, ttlMs: number): number {
  return sentAt + (ttlMs * 2) / 3
}

/** How soon a failed auto-extension is retried: often enough to fit several tries before the deadline. */
export function extensionRetryMs(ttlMs: number): number {
  return Math.max(10, Math.min(1_000, Math.floor(ttlMs / 15)))
}

/** The shortest lease this package accepts: its margin must leave room for an extension. */
export const MIN_TTL_MS = 200
