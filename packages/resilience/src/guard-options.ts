import { type Duration, durationSchema, type RedisClient } from '@redlayer/connection'
import { commandTimeoutOf, hasMethods, parseOrThrow } from '@redlayer/connection/internal'
import { z } from 'zod'

export interface RedisGuardOptions {
  /** The connection this guard protects: one guard per connection, shared by every package. */
  redis: RedisClient
  /** The `breaker` label of the state gauge and transitions; `redis` by default. */
  name?: string
  /**
   * Backstop per run (ms, or a string such as `'2s'`): a run that has not settled by then fails
   * as a timeout. The connection's own command timeout is the primary bound; the default is twice
   * it, at least 1000 ms.
   */
  commandTimeout?: Duration
  /** Calls in the rolling window before the breaker may open at all (default 10). */
  volumeThreshold?: number
  /** Failure percentage over the rolling window above which it opens (default 50). */
  errorThresholdPercentage?: number
  /**
   * Counted failures in a row (no answer from Redis in between) that open it whatever the window
   * holds (default 5). A call that times out while nothing else got an answer opens it at once.
   */
  consecutiveFailures?: number
  /** Length of the rolling window (default 5 s, in 10 buckets). */
  rollingCountTimeout?: Duration
  /** How long it stays open before probing with a PING (default 1 s). */
  resetTimeout?: Duration
}

export interface ResolvedRedisGuardOptions {
  redis: RedisClient
  name: string
  commandTimeoutMs: number
  volumeThreshold: number
  errorThresholdPercentage: number
  consecutiveFailures: number
  rollingCountTimeoutMs: number
  resetTimeoutMs: number
}

// ADR-0013: the defaults and why they are what they are.
export const GUARD_DEFAULTS = {
  name: 'redis',
  minCommandTimeoutMs: 1000,
  volumeThreshold: 10,
  errorThresholdPercentage: 50,
  consecutiveFailures: 5,
  rollingCountTimeoutMs: 5_000,
  resetTimeoutMs: 1000,
} as const

const schema = z.strictObject({
  redis: z.custom<RedisClient>(hasMethods('ping'), 'must be an ioredis Redis or Cluster client'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, or _ . : -')
    .optional(),
  commandTimeout: durationSchema({ min: 1 })
    .refine((ms) => ms <= 600_000, 'must be at most 10m')
    .optional(),
  volumeThreshold: z.number().int().min(1).max(1_000_000).optional(),
  errorThresholdPercentage: z.number().gt(0).max(100).optional(),
  consecutiveFailures: z.number().int().min(1).max(1_000_000).optional(),
  rollingCountTimeout: durationSchema({ min: 100 })
    .refine((ms) => ms <= 3_600_000, 'must be at most 1h')
    .optional(),
  resetTimeout: durationSchema({ min: 10 })
    .refine((ms) => ms <= 3_600_000, 'must be at most 1h')
    .optional(),
})

/** Validates every option at once; one `E_INVALID_OPTIONS` error lists all the problems. */
export function resolveGuardOptions(options: RedisGuardOptions): ResolvedRedisGuardOptions {
  const value = parseOrThrow(schema, options, 'createRedisGuard options')
  const connectionTimeout = commandTimeoutOf(value.redis)
  return {
    redis: value.redis,
    name: value.name ?? GUARD_DEFAULTS.name,
    commandTimeoutMs:
      value.commandTimeout ?? Math.max(GUARD_DEFAULTS.minCommandTimeoutMs, 2 * (connectionTimeout ?? 0)),
    volumeThreshold: value.volumeThreshold ?? GUARD_DEFAULTS.volumeThreshold,
    errorThresholdPercentage: value.errorThresholdPercentage ?? GUARD_DEFAULTS.errorThresholdPercentage,
    consecutiveFailures: value.consecutiveFailures ?? GUARD_DEFAULTS.consecutiveFailures,
    rollingCountTimeoutMs: value.rollingCountTimeout ?? GUARD_DEFAULTS.rollingCountTimeoutMs,
    resetTimeoutMs: value.resetTimeout ?? GUARD_DEFAULTS.resetTimeoutMs,
  }
}
