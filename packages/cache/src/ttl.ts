/**
 * ADR-0020: shortens a TTL by a random fraction up to `jitter` (never below 1 ms), so that values
 * written together (a warm-up, a batch) do not all expire, and reload, in the same instant.
 * Downwards only, so a jittered TTL never exceeds the namespace maximum.
 */
export function jitterTtl(ttlMs: number, jitter: number, random: () => number = Math.random): number {
  if (jitter <= 0) return Math.max(1, ttlMs)
  return Math.max(1, ttlMs - Math.floor(random() * jitter * ttlMs))
}
