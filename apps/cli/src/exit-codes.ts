import { isRedlayerError } from '@redlayer/connection'

/** The exit codes of `redlayer`, documented in the README. */
export const EXIT = {
  /** The command did what was asked; every check passed. */
  ok: 0,
  /** A check failed, the audit found problems, or a flush was refused by its flush class. */
  failed: 1,
  /** Bad usage: unknown command or option, bad configuration, bad keyspace module, unknown namespace. */
  usage: 2,
  /** Redis could not be reached (or stopped answering). */
  unreachable: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

const USAGE_CODES = [
  'E_USAGE',
  'E_INVALID_CONFIG',
  'E_INVALID_KEYSPACE',
  'E_KEYSPACE_MODULE',
  'E_UNKNOWN_NAMESPACE',
  'E_INVALID_OPTIONS',
] as const

// Errors ioredis raises when the server is gone or silent: the outage exit code, not a failure.
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
])
const CONNECTION_MESSAGES =
  /^(Connection is closed|Command timed out|Stream isn't writeable|Failed to refresh slots cache|All sentinels are unreachable)/

/** True when `error` says Redis is unreachable rather than that it refused something. */
export function isConnectionFailure(error: unknown): boolean {
  if (isRedlayerError(error, 'E_REDIS_UNAVAILABLE')) return true
  if (!(error instanceof Error)) return false
  const errno = (error as { code?: unknown }).code
  return (
    (typeof errno === 'string' && CONNECTION_ERRNOS.has(errno)) || CONNECTION_MESSAGES.test(error.message)
  )
}

/** The exit code an error ends the command with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (isRedlayerError(error, ...USAGE_CODES)) return EXIT.usage
  if (isConnectionFailure(error)) return EXIT.unreachable
  return EXIT.failed
}
