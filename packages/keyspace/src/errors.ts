/**
 * The codes this package throws (a flush or an audit that loses Redis throws
 * `E_REDIS_UNAVAILABLE`). Branch on them with `isRedlayerError(error, code)`.
 */
export const KEYSPACE_ERROR_CODES = [
  /** A declaration with problems, every one listed in `details.problems`. */
  'E_INVALID_KEYSPACE',
  /** A namespace name the keyspace does not declare. */
  'E_UNKNOWN_NAMESPACE',
  /** A key part that is not a string, number or bigint, or is empty. */
  'E_INVALID_KEY_PART',
  /** A key whose parts do not decode (not made by this keyspace). */
  'E_UNDECODABLE_KEY_PART',
  /** A requested TTL that is not a positive duration. */
  'E_INVALID_TTL',
  /** A byte size that cannot be read (`'64 MiB'`). */
  'E_INVALID_BYTE_SIZE',
  /** A flush of a `disruptive` namespace without `force` and a reason. */
  'E_FLUSH_REFUSED',
  /** A flush of a `forbidden` namespace. */
  'E_FLUSH_FORBIDDEN',
  /** Redis failed during a flush or an audit. */
  'E_REDIS_UNAVAILABLE',
] as const

export type KeyspaceErrorCode = (typeof KEYSPACE_ERROR_CODES)[number]
