import { isRedlayerError } from '@redlayer/connection'
import { redisFailureOf } from '@redlayer/resilience'

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

/**
 * True when `error` says Redis is unreachable (or stopped answering) rather than that it refused
 * something: the Redis-failure classification of @redlayer/resilience (ADR-0013), one for the
 * packages and the CLI.
 */
function isConnectionFailure(error: unknown): boolean {
  const kind = redisFailureOf(error)?.kind
  return kind === 'connection' || kind === 'timeout'
}

/** The exit code an error ends the command with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (isRedlayerError(error, ...USAGE_CODES)) return EXIT.usage
  if (isConnectionFailure(error)) return EXIT.unreachable
  return EXIT.failed
}
