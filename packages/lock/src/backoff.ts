/** Retry delays while a lock is contended. */
export interface BackoffPolicy {
  /** The cap of the first delay, in ms. */
  readonly baseMs: number
  /** The largest delay, in ms. */
  readonly maxMs: number
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, base * 2^n)].
 * Spreading waiters over the whole interval keeps them from retrying in lock-step; the pub/sub
 * wake-up does the fast hand-off, so these delays are only the safety net (ADR-0030).
 */
export function fullJitterDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * (cap + 1))
}
