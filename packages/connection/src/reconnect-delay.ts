/** Bounds of the reconnect backoff (ADR-0010). */
export const RECONNECT_BASE_DELAY_MS = 50
export const RECONNECT_MAX_DELAY_MS = 2_000

/**
 * The delay before reconnect attempt `attempt` (1, 2, ...): exponential from 50 ms, capped at
 * 2 s, with "equal jitter" (half fixed, half random) so that many processes cut off by the same
 * outage do not reconnect in lockstep. It always returns a number: the client never gives up
 * (ADR-0010), callers fail fast meanwhile because the offline queue is off.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 16)
  const ceiling = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_BASE_DELAY_MS * 2 ** exponent)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
