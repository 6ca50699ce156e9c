/**
 * The codes this package throws (the guard adds `E_REDIS_UNAVAILABLE` and `E_REDIS_FULL`:
 * sessions fail closed). Branch on them with `isRedlayerError(error, code)`.
 */
export const SESSION_ERROR_CODES = [
  /** Bad options, every problem listed in `details.problems`. */
  'E_INVALID_OPTIONS',
  /** A bad argument of a call (a listing cursor that this store did not hand out). */
  'E_INVALID_ARGUMENT',
  /** A session id that this store could not have made. */
  'E_INVALID_SESSION_ID',
  /** A state or event that cannot be stored (not JSON, or above `maxValueBytes`). */
  'E_INVALID_VALUE',
  /** A freshly generated id already existed (128 random bits: never in practice). */
  'E_SESSION_ID_COLLISION',
  /** The store was closed. */
  'E_SESSION_STORE_CLOSED',
] as const

export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number]
