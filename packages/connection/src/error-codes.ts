/**
 * The codes this package throws. Every package's errors are `RedlayerError`s with a stable `code`
 * (issue 14: one naming scheme, `E_` and what went wrong; `E_INVALID_OPTIONS` for options
 * everywhere) and each package exports the list of its own.
 */
export const CONNECTION_ERROR_CODES = [
  /** A Redis config (environment or code) with problems, every one listed in `details.problems`. */
  'E_INVALID_CONFIG',
  /** A duration that cannot be read (`'5 minutes'`, a negative number). */
  'E_INVALID_DURATION',
  /** Bad options of a function of this package, every problem listed. */
  'E_INVALID_OPTIONS',
  /** A batched script (issue 18) answered something other than one reply per call. */
  'E_UNEXPECTED_REPLY',
] as const

export type ConnectionErrorCode = (typeof CONNECTION_ERROR_CODES)[number]
