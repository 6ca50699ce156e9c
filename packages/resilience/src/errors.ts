/**
 * The codes the guard throws (ADR-0013). Every package that runs Redis calls through the guard
 * passes the first three on where it fails closed. Branch on them with `isRedlayerError`.
 */
export const GUARD_ERROR_CODES = [
  /** Redis could not serve the call, or the breaker is open; `details.condition` says why. */
  'E_REDIS_UNAVAILABLE',
  /** Redis refused the call for want of memory (OOM). */
  'E_REDIS_FULL',
  /** The guard's own backstop fired (a call the client did not bound). */
  'E_REDIS_TIMEOUT',
  /** Bad options of `createRedisGuard`, every problem listed. */
  'E_INVALID_OPTIONS',
  /** A bad argument of `run` (an operation label that is not a short label, a `fn` that is not a function). */
  'E_INVALID_ARGUMENT',
  /** The guard was disposed. */
  'E_GUARD_DISPOSED',
] as const

export type GuardErrorCode = (typeof GUARD_ERROR_CODES)[number]
