/**
 * Histogram buckets, in seconds (Prometheus base unit). Chosen so that the boundaries that
 * matter for redlayer fall exactly on a bucket edge: 1 ms (a healthy loopback or LAN Redis call
 * is well under it), 10 ms (the slow-operation threshold) and the fast-fail command timeout
 * range (0.25 to 1 s).
 */

/** A single Redis round trip or script: 100 µs to 5 s. */
export const REDIS_OPERATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const

/** A cache loader (the caller's database or API call): 1 ms to 30 s. */
export const LOADER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const

/** Waiting for a lock: immediate to a minute. */
export const LOCK_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const

/** Holding a lock: a few ms to ten minutes (auto-extended critical sections run long). */
export const LOCK_HOLD_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600] as const
