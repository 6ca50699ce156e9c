/**
 * The codes this package throws (the guard adds `E_REDIS_UNAVAILABLE` and `E_REDIS_FULL` when a
 * `fail-closed` limiter cannot reach Redis). Branch on them with `isRedlayerError(error, code)`.
 */
export const RATELIMIT_ERROR_CODES = [
  /** Bad options, every problem listed in `details.problems`. */
  'E_INVALID_OPTIONS',
  /** A cost that is not a positive finite number. */
  'E_INVALID_COST',
  /** A cost above a limit's capacity: it could never be admitted. */
  'E_COST_EXCEEDS_CAPACITY',
  /** The limiter was closed. */
  'E_RATELIMIT_CLOSED',
  /** The script replied something no script of this version replies. */
  'E_UNEXPECTED_REPLY',
  /** A subject that is not a valid key part (from the keyspace). */
  'E_INVALID_KEY_PART',
] as const

export type RateLimitErrorCode = (typeof RATELIMIT_ERROR_CODES)[number]
