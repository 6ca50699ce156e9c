import { type Duration, durationSchema, type RedisClient } from '@redlayer/connection'
import { hasMethods, invalidInput, parseOrThrow } from '@redlayer/connection/internal'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import type session from 'express-session'
import { z } from 'zod'

type SessionData = session.SessionData

/** How sessions are written to Redis and read back (connect-redis' `serializer`). */
export interface ExpressSerializer {
  parse(text: string): SessionData | Promise<SessionData>
  stringify(data: SessionData): string
}

export interface ExpressSessionStoreOptions<N extends string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The namespace of HTTP sessions: its default TTL is the lifetime of a session without a cookie expiry. */
  namespace: N
  guard?: RedisGuard
  /**
   * connect-redis' key prefix. The namespace owns it here (`store.prefix`); a `prefix` given
   * must equal it, so that a connect-redis configuration carried over says what it gets.
   */
  prefix?: string
  /** Seconds, or a function of the session, for a session whose cookie has no expiry; the namespace default otherwise. */
  ttl?: number | ((data: SessionData) => number)
  /** `touch` does nothing (a session then expires at its last write). */
  disableTouch?: boolean
  /** Only `false`: every redlayer key expires (ADR-0011). */
  disableTTL?: false
  /** JSON by default. */
  serializer?: ExpressSerializer
  /** Keys read per SCAN page in `all`, `ids`, `length` and `clear` (100). */
  scanCount?: number
  /**
   * The reason recorded when `clear()` flushes the namespace. Sessions are `disruptive` to
   * flush (ADR-0011): without a reason, `clear()` is refused with `E_FLUSH_REFUSED`.
   */
  clearReason?: string
  /** A cap on a session's whole life from its first write (ms, or `'12h'`), whatever its cookie says. */
  absoluteTtl?: Duration
  /** The user a session belongs to, for `sessionsOf` and `revokeAll`; none when it returns undefined. */
  userOf?: (data: SessionData) => string | number | undefined
}

export interface ResolvedExpressOptions {
  readonly prefix: string
  readonly ttl: number | ((data: SessionData) => number)
  readonly disableTouch: boolean
  readonly serializer: ExpressSerializer
  readonly scanCount: number
  readonly clearReason: string | undefined
  readonly absoluteTtlMs: number
  readonly userOf: ((data: SessionData) => string | number | undefined) | undefined
}

const schema = z.strictObject({
  redis: z.custom<RedisClient>(hasMethods('get', 'scan'), 'must be an ioredis Redis or Cluster client'),
  keyspace: z.custom<Keyspace>(hasMethods('key', 'namespace'), 'must come from defineKeyspace()'),
  namespace: z.string().min(1),
  guard: z.custom<RedisGuard>(hasMethods('run'), 'must come from createRedisGuard()').optional(),
  prefix: z.string().optional(),
  ttl: z
    .union([
      z
        .number()
        .positive()
        .max(10 * 365 * 86_400),
      z.custom<(data: SessionData) => number>(isFunction),
    ])
    .optional(),
  disableTouch: z.boolean().optional(),
  disableTTL: z.literal(false, 'must be false: every redlayer key expires (ADR-0011)').optional(),
  serializer: z
    .custom<ExpressSerializer>(hasMethods('parse', 'stringify'), 'must have parse and stringify')
    .optional(),
  scanCount: z.number().int().min(1).max(10_000).optional(),
  clearReason: z.string().min(1).optional(),
  absoluteTtl: durationSchema({ min: 1000 }).optional(),
  userOf: z.custom<(data: SessionData) => string | number | undefined>(isFunction).optional(),
})

function isFunction(value: unknown): boolean {
  return typeof value === 'function'
}

/**
 * Validates every option at once (`E_INVALID_OPTIONS`). ADR-0033: a session never outlives its
 * cookie, so a namespace whose minimum TTL would raise a short cookie's is refused here.
 */
export function resolveExpressOptions<N extends string>(
  options: ExpressSessionStoreOptions<N>,
): ResolvedExpressOptions {
  const value = parseOrThrow(schema, options, 'RedlayerExpressStore options')
  const ns = value.keyspace.namespace(value.namespace)
  if (ns.ttl.minMs > 1000) {
    throw invalidInput('E_INVALID_OPTIONS', 'RedlayerExpressStore options', [
      `namespace "${ns.name}" has a minimum TTL of ${ns.ttl.minMs} ms: a session would outlive a shorter cookie; give it no min (or at most 1s)`,
    ])
  }
  const prefix = ns.keyPrefix
  if (value.prefix !== undefined && value.prefix !== prefix) {
    throw invalidInput('E_INVALID_OPTIONS', 'RedlayerExpressStore options', [
      `prefix: the keys of namespace "${ns.name}" start with "${prefix}"; declare the prefix in the keyspace, or leave it out`,
    ])
  }
  return {
    prefix,
    ttl: value.ttl ?? ns.ttl.defaultMs / 1000,
    disableTouch: value.disableTouch ?? false,
    serializer: value.serializer ?? JSON,
    scanCount: value.scanCount ?? 100,
    clearReason: value.clearReason,
    absoluteTtlMs: value.absoluteTtl ?? 0,
    userOf: value.userOf,
  }
}
