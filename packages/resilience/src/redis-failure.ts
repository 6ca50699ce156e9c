import { isRedlayerError, type RedlayerError } from '@redlayer/connection'
import type { RedisErrorKind } from '@redlayer/connection/diagnostics'

// ADR-0013: what counts as "Redis is unavailable", and what each failure tells the caller. Only
// these degrade a call; every other error (a script error from bad arguments, WRONGTYPE, NOPERM,
// the caller's own code) passes through unchanged.

/** What the caller may assume about a command that failed. */
export type RedisOutcome =
  /** The server refused it, or it never left this process: nothing was changed. */
  | 'not-applied'
  /** It was (or may have been) written and no reply came: it may still be applied later. */
  | 'unknown'

/** One Redis failure, classified (ADR-0013's table). */
export interface RedisFailure {
  /** The condition, as the `kind` label of `redisErrors`. */
  readonly kind: RedisErrorKind
  /**
   * True when the condition means this server cannot serve any of our commands for now, so it
   * counts toward the breaker. A refusal of writes only (OOM, MISCONF, NOREPLICAS) or of one
   * slot (TRYAGAIN) degrades the one call and leaves the breaker alone: reads still work.
   */
  readonly counts: boolean
  readonly outcome: RedisOutcome
}

const failure = (kind: RedisErrorKind, counts: boolean, outcome: RedisOutcome): RedisFailure =>
  Object.freeze({ kind, counts, outcome })

const CONNECTION_UNSENT = failure('connection', true, 'not-applied')
const CONNECTION_IN_FLIGHT = failure('connection', true, 'unknown')
const TIMEOUT = failure('timeout', true, 'unknown')

/**
 * Server replies, by their leading code. A reply means the server decided: `not-applied`. (A Lua
 * script that fails part-way keeps the writes it made before; ADR-0013 says why ours cannot.)
 */
const REPLIES: ReadonlyMap<string, RedisFailure> = new Map([
  ['LOADING', failure('loading', true, 'not-applied')], // the dataset is being loaded after a restart
  ['BUSY', failure('busy', true, 'not-applied')], // a long script blocks every client until it ends
  ['MASTERDOWN', failure('masterdown', true, 'not-applied')], // a replica lost its primary
  ['READONLY', failure('readonly', true, 'not-applied')], // a write reached a replica: failover
  ['CLUSTERDOWN', failure('clusterdown', true, 'not-applied')], // the cluster has uncovered slots
  ['NOAUTH', failure('auth', true, 'not-applied')], // the password was rotated or removed
  ['WRONGPASS', failure('auth', true, 'not-applied')],
  ['OOM', failure('oom', false, 'not-applied')], // maxmemory reached under noeviction: writes refused
  ['MISCONF', failure('misconf', false, 'not-applied')], // a failed RDB save stops writes
  ['NOREPLICAS', failure('noreplicas', false, 'not-applied')], // min-replicas-to-write not met
  ['TRYAGAIN', failure('tryagain', false, 'not-applied')], // a multi-key command on a slot in migration
])

/** `ERR max number of clients reached`: the server refuses this connection (maxclients). */
const MAX_CLIENTS = /^ERR max number of clients reached/
const MAXCLIENTS = failure('maxclients', true, 'not-applied')

/** Socket codes of a connection that could not be made: nothing was sent. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
])

/** Socket codes of a connection that broke: what was written may have reached the server. */
const BROKEN_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT'])

/** ioredis errors recognised by class name (robust to several copies of ioredis). */
const ERROR_NAMES: ReadonlyMap<string, RedisFailure> = new Map([
  // Commands in flight when the connection dropped, flushed: they may have been applied.
  ['MaxRetriesPerRequestError', CONNECTION_IN_FLIGHT],
  ['ClusterAllFailedError', CONNECTION_UNSENT], // no cluster node answered the slot refresh
])

/** ioredis messages for commands rejected because the connection is not usable. */
const MESSAGES: readonly (readonly [RegExp, RedisFailure])[] = [
  // Both a command sent on an ended client and one in flight when it closed: the safe reading.
  [/^Connection is closed\.?$/, CONNECTION_IN_FLIGHT],
  [/enableOfflineQueue options is false/, CONNECTION_UNSENT], // "Stream isn't writeable..."
  [/^All sentinels are unreachable/, CONNECTION_UNSENT],
  [/^None of the sentinels are available/, CONNECTION_UNSENT],
  [/^Failed to refresh slots cache/, CONNECTION_UNSENT],
]

const REDIRECTIONS_EXHAUSTED = /^Too many Cluster redirections\. Last error: (.*)$/s

/** The failure ioredis quotes as text after its redirections ("ReplyError: CLUSTERDOWN ..."). */
function redirected(last: string): RedisFailure {
  if (/timed out/.test(last)) return TIMEOUT
  const reply = /^ReplyError: (.*)$/s.exec(last)?.[1]
  if (reply !== undefined) return replyFailure(reply) ?? CONNECTION_UNSENT
  return /Connection is closed/.test(last) ? CONNECTION_IN_FLIGHT : CONNECTION_UNSENT
}

function replyFailure(message: string): RedisFailure | undefined {
  if (MAX_CLIENTS.test(message)) return MAXCLIENTS
  const code = /^[A-Z]+/.exec(message)?.[0]
  return code === undefined ? undefined : REPLIES.get(code)
}

/**
 * The Redis failure `error` is (its kind, whether it counts toward the breaker, and whether the
 * command may have been applied), or `undefined` when it is not a Redis failure.
 */
export function redisFailureOf(error: unknown): RedisFailure | undefined {
  return classify(error, 0)
}

/** The kind of Redis failure `error` is, or `undefined` when it is not one. */
export function redisFailureKind(error: unknown): RedisErrorKind | undefined {
  return classify(error, 0)?.kind
}

/**
 * True when `error` is a Redis failure of ADR-0013's table: the server unreachable, hung, not
 * serving for now, or refusing the command (OOM, MISCONF, NOREPLICAS, TRYAGAIN).
 */
export function isRedisFailure(error: unknown): boolean {
  return classify(error, 0) !== undefined
}

function classify(error: unknown, depth: number): RedisFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  if (isRedlayerError(error, 'E_REDIS_TIMEOUT')) return TIMEOUT
  if (isRedisUnavailableError(error)) {
    // A nested guard already decided; keep the failure it wrapped when there is one.
    return (depth < 3 ? classify(error.cause, depth + 1) : undefined) ?? CONNECTION_UNSENT
  }
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown }
  if (typeof name === 'string') {
    const named = ERROR_NAMES.get(name)
    if (named !== undefined) return named
  }
  if (typeof code === 'string') {
    if (UNREACHABLE_CODES.has(code)) return CONNECTION_UNSENT
    if (BROKEN_CODES.has(code)) return CONNECTION_IN_FLIGHT
  }
  if (typeof message !== 'string') return undefined
  if (message === 'Command timed out') return TIMEOUT
  // ioredis Cluster gives up on a command after its redirections (MOVED, CLUSTERDOWN, timeouts
  // while a master fails over) with a plain Error that quotes the last one as text only.
  const last = REDIRECTIONS_EXHAUSTED.exec(message)?.[1]
  if (last !== undefined) return redirected(last)
  if (name === 'ReplyError') return replyFailure(message)
  for (const [pattern, matched] of MESSAGES) if (pattern.test(message)) return matched
  return undefined
}

/** True for an error reply of the Redis server (ioredis `ReplyError`), failure or not. */
export function isRedisReplyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ReplyError'
}

/** The codes of the guard's own errors: Redis could not serve the call, or refused it (ADR-0013). */
export const REDIS_UNAVAILABLE_CODES = ['E_REDIS_UNAVAILABLE', 'E_REDIS_FULL'] as const

/**
 * True for an error the guard threw because Redis could not serve the call (`E_REDIS_UNAVAILABLE`)
 * or refused it for want of memory (`E_REDIS_FULL`); `details.outcome` says whether it may apply.
 */
export function isRedisUnavailableError(
  error: unknown,
): error is RedlayerError<(typeof REDIS_UNAVAILABLE_CODES)[number]> {
  return isRedlayerError(error, ...REDIS_UNAVAILABLE_CODES)
}
