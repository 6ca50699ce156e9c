import type { RedisClient } from '@redlayer/connection'
import { hasMethods, invalidInput, parseOrThrow } from '@redlayer/connection/internal'
import { type Duration, durationSchema, type Keyspace } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import { z } from 'zod'
import { DEFAULT_COMPRESSION_THRESHOLD } from './entry-codec.js'
import { jsonSerializer, type Serializer } from './serializer.js'
import type { InvalidateOptions } from './types.js'

export interface L1Options {
  /** Most entries held (default 10000). */
  maxEntries?: number
  /** Most bytes held: keys + payloads + a fixed overhead per entry (default 64 MiB). */
  maxBytes?: number
}

export interface DistributedSingleFlightOptions {
  /** Lifetime of the Redis lease a loading process holds (default 10s, or the hard timeout). */
  leaseTtl?: Duration
  /** How long a waiter waits for the holder's value before loading by itself (default 5s). */
  maxWait?: Duration
}

export interface CacheOptions<N extends string = string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  namespace: N
  /** The breaker of this connection (ADR-0013); one is created (and disposed with the cache) when omitted. */
  guard?: RedisGuard
  /** Default: JSON with Date (ADR-0021). */
  serializer?: Serializer
  /** Payloads of at least this many bytes are deflated (ADR-0021; default 512). `false`: never. */
  compressionThreshold?: number | false
  /** Requested TTL; the keyspace clamps it to the namespace policy (default: the namespace default). */
  ttl?: Duration
  /** TTLs are shortened by up to this fraction at random, so that keys written together do not expire together (default 0.1). */
  jitter?: number
  /** How long an expired value is kept to be served when the loader fails or Redis is down (default 0: off). */
  grace?: Duration
  /** TTL of a cached `null` (negative caching); default: the TTL, at most 1 minute. */
  nullTtl?: Duration
  /** With a graced value present, a loader slower than this serves the graced value and goes on in the background. */
  softTimeout?: Duration
  /** A loader slower than this fails with E_LOADER_TIMEOUT (or serves a graced value). Default: none. */
  hardTimeout?: Duration
  /**
   * Issue 19: a hit past this share of its TTL (0.8: the last fifth) returns the value and reloads
   * it in the background, once (across processes with `distributedSingleFlight`). Off by default.
   */
  earlyRefresh?: number
  /** In-process tier kept coherent by the bus (ADR-0020). Off by default. */
  l1?: boolean | L1Options
  /** Cross-process single-flight by a Redis lease (ADR-0020). Off by default; per call with `distributed`. */
  distributedSingleFlight?: boolean | DistributedSingleFlightOptions
  /** Invalidations kept during an outage before collapsing into a namespace epoch bump (default 10000). */
  maxPendingInvalidations?: number
  /** While invalidations are pending, how often a replay is tried besides the breaker closing (default 1s). */
  replayInterval?: Duration
}

export interface ResolvedCacheOptions<N extends string = string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  namespace: N
  guard: RedisGuard | undefined
  serializer: Serializer
  compressionThreshold: number
  ttlMs: number | undefined
  jitter: number
  graceMs: number
  nullTtlMs: number | undefined
  softTimeoutMs: number | undefined
  hardTimeoutMs: number | undefined
  earlyRefresh: number | undefined
  l1: { maxEntries: number; maxBytes: number } | undefined
  distributed: { leaseTtlMs: number; maxWaitMs: number } | undefined
  maxPendingInvalidations: number
  replayIntervalMs: number
}

const duration = durationSchema()
const positiveDuration = durationSchema({ min: 1 })

const schema = z.strictObject({
  redis: z.custom<RedisClient>(
    hasMethods('mgetBuffer', 'duplicate'),
    'must be an ioredis Redis or Cluster client',
  ),
  keyspace: z.custom<Keyspace>(hasMethods('key', 'ttl', 'namespace'), 'must come from defineKeyspace()'),
  namespace: z.string().min(1),
  guard: z.custom<RedisGuard>(hasMethods('run', 'on'), 'must come from createRedisGuard()').optional(),
  serializer: z
    .custom<Serializer>(hasMethods('serialize', 'deserialize'), 'must have serialize and deserialize')
    .optional(),
  compressionThreshold: z.union([z.number().int().nonnegative(), z.literal(false)]).optional(),
  ttl: duration.optional(),
  jitter: z.number().min(0).max(0.5).optional(),
  grace: duration.optional(),
  nullTtl: positiveDuration.optional(),
  softTimeout: positiveDuration.optional(),
  hardTimeout: positiveDuration.optional(),
  earlyRefresh: z.number().gt(0).lt(1).optional(),
  l1: z
    .union([
      z.boolean(),
      z.strictObject({
        maxEntries: z.number().int().positive().optional(),
        maxBytes: z.number().int().positive().optional(),
      }),
    ])
    .optional(),
  distributedSingleFlight: z
    .union([
      z.boolean(),
      z.strictObject({ leaseTtl: positiveDuration.optional(), maxWait: positiveDuration.optional() }),
    ])
    .optional(),
  maxPendingInvalidations: z.number().int().positive().optional(),
  replayInterval: positiveDuration.optional(),
})

const DEFAULTS = {
  jitter: 0.1,
  l1MaxEntries: 10_000,
  l1MaxBytes: 64 * 1024 * 1024,
  leaseTtlMs: 10_000,
  maxWaitMs: 5_000,
  maxPendingInvalidations: 10_000,
  replayIntervalMs: 1_000,
} as const

/** Validates the options once, reporting every problem in one E_INVALID_OPTIONS. */
export function resolveCacheOptions<N extends string>(options: CacheOptions<N>): ResolvedCacheOptions<N> {
  const o = parseOrThrow(schema, options, 'cache options')
  // Throws E_UNKNOWN_NAMESPACE for a namespace the keyspace does not declare.
  options.keyspace.namespace(options.namespace)
  const l1 = o.l1 === undefined || o.l1 === false ? undefined : o.l1 === true ? {} : o.l1
  const distributed =
    o.distributedSingleFlight === undefined || o.distributedSingleFlight === false
      ? undefined
      : o.distributedSingleFlight === true
        ? {}
        : o.distributedSingleFlight
  // ADR-0020: the namespace's maximum TTL bounds how long a key lives in Redis, grace included (what
  // the audit checks): a default that cannot fit is refused here, a per-call one is clamped.
  const { ttl } = options.keyspace.namespace(options.namespace)
  const lifetimeMs = options.keyspace.ttl(options.namespace, o.ttl) + (o.grace ?? 0)
  if (lifetimeMs > ttl.maxMs) {
    throw invalidInput('E_INVALID_OPTIONS', 'cache options', [
      `ttl + grace is ${lifetimeMs} ms, above namespace "${options.namespace}"'s maximum TTL of ${ttl.maxMs} ms: lower grace or raise the namespace's max`,
    ])
  }
  return {
    redis: options.redis,
    keyspace: options.keyspace,
    namespace: options.namespace,
    guard: options.guard,
    serializer: options.serializer ?? jsonSerializer,
    compressionThreshold:
      o.compressionThreshold === false
        ? Number.POSITIVE_INFINITY
        : (o.compressionThreshold ?? DEFAULT_COMPRESSION_THRESHOLD),
    ttlMs: o.ttl,
    jitter: o.jitter ?? DEFAULTS.jitter,
    graceMs: o.grace ?? 0,
    nullTtlMs: o.nullTtl,
    softTimeoutMs: o.softTimeout,
    hardTimeoutMs: o.hardTimeout,
    earlyRefresh: o.earlyRefresh,
    l1:
      l1 === undefined
        ? undefined
        : {
            maxEntries: l1.maxEntries ?? DEFAULTS.l1MaxEntries,
            maxBytes: l1.maxBytes ?? DEFAULTS.l1MaxBytes,
          },
    distributed:
      distributed === undefined
        ? undefined
        : {
            leaseTtlMs: distributed.leaseTtl ?? o.hardTimeout ?? DEFAULTS.leaseTtlMs,
            maxWaitMs: distributed.maxWait ?? DEFAULTS.maxWaitMs,
          },
    maxPendingInvalidations: o.maxPendingInvalidations ?? DEFAULTS.maxPendingInvalidations,
    replayIntervalMs: o.replayInterval ?? DEFAULTS.replayIntervalMs,
  }
}

const invalidateSchema = z.strictObject({ soft: z.boolean().optional() })

/** Issue 19: whether a delete or tag invalidation is soft (ADR-0020); bad options throw E_INVALID_OPTIONS. */
export function softOf(options: InvalidateOptions): boolean {
  return parseOrThrow(invalidateSchema, options, 'invalidation options').soft === true
}
