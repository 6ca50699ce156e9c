import { isRedlayerError } from '@redlayer/connection'
import type { RedisErrorKind } from '@redlayer/metrics'

// ADR-0013: what counts as "Redis is unavailable". Only these open the breaker; every other
// error (a script error from bad arguments, WRONGTYPE, the caller's own code) passes through.

/** Server replies that mean "this server cannot serve you right now", by their error code. */
const TRANSIENT_REPLIES: ReadonlyMap<string, RedisErrorKind> = new Map([
  ['LOADING', 'loading'], // the dataset is still being loaded after a restart
  ['READONLY', 'readonly'], // a write reached a replica: a failover is in progress
  ['MASTERDOWN', 'masterdown'], // a replica lost its primary (replica-serve-stale-data no)
  ['CLUSTERDOWN', 'clusterdown'], // the cluster has uncovered slots
  ['TRYAGAIN', 'tryagain'], // a multi-key command hit a slot being migrated
  ['BUSY', 'other'], // a long script blocks the server for every client until it ends or is killed
])

/** Socket-level error codes (Node's `error.code`) of a connection that is down or unreachable. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
])

/** ioredis errors recognised by class name (robust to several copies of ioredis). */
const CONNECTION_ERROR_NAMES: ReadonlySet<string> = new Set([
  'MaxRetriesPerRequestError', // a command was in flight when the connection dropped
  'ClusterAllFailedError', // no cluster node answered the slot refresh
])

/** ioredis messages for commands rejected because the connection is not usable. */
const CONNECTION_MESSAGES: readonly RegExp[] = [
  /^Connection is closed\.?$/,
  /enableOfflineQueue options is false/, // "Stream isn't writeable..." / "Cluster isn't ready..."
  /^All sentinels are unreachable/,
  /^None of the sentinels are available/,
  /^Failed to refresh slots cache/,
]

const REDIRECTIONS_EXHAUSTED = /^Too many Cluster redirections\. Last error: (.*)$/s

/** The kind of the last error ioredis quotes ("ReplyError: CLUSTERDOWN ...", "Error: Command timed out"). */
function redirectedKind(last: string): RedisErrorKind {
  if (/timed out/.test(last)) return 'timeout'
  const replyCode = /^ReplyError: ([A-Z]+)/.exec(last)?.[1]
  return (replyCode === undefined ? undefined : TRANSIENT_REPLIES.get(replyCode)) ?? 'connection'
}

/**
 * The kind of Redis failure `error` is, or `undefined` when it is not a Redis failure (the
 * breaker must not count it). `timeout` covers ioredis's `commandTimeout` and the guard's own
 * backstop (`E_REDIS_TIMEOUT`); `connection` covers a socket that is down, refused or reset.
 */
export function redisFailureKind(error: unknown): RedisErrorKind | undefined {
  return kindOf(error, 0)
}

/**
 * True when `error` means Redis is unavailable: a connection error, a command timeout, or a
 * transient server reply (LOADING, READONLY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN, BUSY).
 */
export function isRedisFailure(error: unknown): boolean {
  return redisFailureKind(error) !== undefined
}

function kindOf(error: unknown, depth: number): RedisErrorKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  if (isRedlayerError(error, 'E_REDIS_TIMEOUT')) return 'timeout'
  if (isRedlayerError(error, 'E_REDIS_UNAVAILABLE')) {
    // A nested guard already decided; keep the kind of what it wrapped when there is one.
    return (depth < 3 ? kindOf(error.cause, depth + 1) : undefined) ?? 'connection'
  }
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown }
  if (typeof name === 'string' && CONNECTION_ERROR_NAMES.has(name)) return 'connection'
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection'
  if (typeof message !== 'string') return undefined
  if (message === 'Command timed out') return 'timeout'
  // ioredis Cluster gives up on a command after its redirections (MOVED, CLUSTERDOWN, timeouts
  // while a master fails over) with a plain Error that quotes the last one as text only.
  const redirected = REDIRECTIONS_EXHAUSTED.exec(message)?.[1]
  if (redirected !== undefined) return redirectedKind(redirected)
  if (name === 'ReplyError') {
    // Redis replies start with an upper-case code: "READONLY You can't write against...".
    const replyCode = /^[A-Z]+/.exec(message)?.[0]
    return replyCode === undefined ? undefined : TRANSIENT_REPLIES.get(replyCode)
  }
  if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'connection'
  return undefined
}

/** True for an error reply of the Redis server (ioredis `ReplyError`), failure or not. */
export function isRedisReplyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ReplyError'
}
