import type { DegradationMode, RedisOutcome, UnavailableReason } from '@redlayer/resilience'
import { msUntil, usUntil, wholeTokens } from './bucket-math.js'
import type { ResolvedLimit } from './limit.js'

/**
 * What a limiter does while Redis is unreachable (ADR-0013): the keyspace's outage modes that mean
 * something for a limiter (admit everything, refuse everything, or an in-process bucket).
 */
export type RedisDownMode = Extract<DegradationMode, 'fail-open' | 'fail-closed' | 'local-fallback'>

/** Why a decision was taken without Redis, and how. */
export interface RateLimitDegradation {
  readonly mode: RedisDownMode
  readonly reason: UnavailableReason
  /**
   * Whether the Redis decision may still have been taken (ADR-0013): `unknown` after a timeout or
   * a connection that broke with it in flight (its tokens may be spent when a hung Redis resumes),
   * `not-applied` when Redis refused it or never got it.
   */
  readonly outcome: RedisOutcome
}

/** The state of one limit after a decision. */
export interface LimitStatus {
  readonly name: string
  /** Tokens a full bucket holds (divided by `instances` in `local-fallback` mode). */
  readonly capacity: number
  /** Milliseconds an empty bucket takes to fill: the window of the HTTP `RateLimit-Policy`. */
  readonly windowMs: number
  /** Whole tokens left. */
  readonly remaining: number
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number
  /**
   * Milliseconds until `remaining` grows by one (or the bucket is full); 0 when full. Until then at
   * most `remaining` tokens can be spent: the "effective window" of the HTTP `RateLimit` field.
   */
  readonly nextTokenMs: number
  /** Milliseconds until this limit admits the request's cost (0 when it does now). */
  readonly retryAfterMs: number
  readonly violated: boolean
}

/**
 * The outcome of a decision. A denial is a value, not an exception. `limit`, `remaining` and
 * `resetMs` describe the binding limit: the violated one with the longest wait on a denial, the
 * one with the fewest tokens left otherwise.
 */
export interface RateLimitResult {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  readonly resetMs: number
  /** On a denial, milliseconds (rounded up) after which the same request is admitted; else 0. */
  readonly retryAfterMs: number
  /** Names of the limits that refused the request (empty when allowed, or refused by a block alone). */
  readonly violated: readonly string[]
  /** The block that refuses the subject whatever its buckets hold, or `false` (ADR-0012). */
  readonly blocked: RateLimitBlock | false
  /** `false` when Redis decided; otherwise the degradation mode used and why. */
  readonly degraded: RateLimitDegradation | false
  /** Every limit, in the order they were defined. */
  readonly limits: readonly LimitStatus[]
}

/** Why a subject is refused whatever its buckets hold (issue 19, ADR-0012), and for how long. */
export interface RateLimitBlock {
  /** `penalty`: a refused request started the limiter's penalty; `denied`: `deny()` was called. */
  readonly kind: 'penalty' | 'denied'
  /** Milliseconds until it ends. */
  readonly ms: number
}

/** Levels of every bucket of a subject right after one decision, in units, and its block. */
export interface BucketOutcome {
  readonly refused: boolean
  readonly levels: readonly number[]
  readonly block?: RateLimitBlock | undefined
}

/** A decision result plus the exact wait in microseconds (for the deny cache, never rounded up). */
export interface Decision {
  readonly result: RateLimitResult
  readonly retryAfterUs: number
}

/** How long another process may answer a blocked subject from its deny cache: 1 s. */
export const BLOCK_CACHE_US = 1_000_000

/** Builds the result of a decision from the bucket levels after it. */
export function decide(
  limits: readonly ResolvedLimit[],
  costs: readonly number[],
  outcome: BucketOutcome,
  degraded: RateLimitDegradation | false,
): Decision {
  let retryAfterUs = 0
  const statuses = limits.map((limit, i): LimitStatus => {
    const level = outcome.levels[i] ?? limit.capacityUnits
    const cost = costs[i] ?? 0
    const violated = outcome.refused && level < cost
    if (violated) retryAfterUs = Math.max(retryAfterUs, usUntil(level, cost, limit))
    const remaining = wholeTokens(level, limit)
    const nextToken = Math.min((remaining + 1) * limit.unitsPerToken, limit.capacityUnits)
    return {
      name: limit.name,
      capacity: limit.capacity,
      windowMs: limit.fillMs,
      remaining,
      resetMs: msUntil(level, limit.capacityUnits, limit),
      nextTokenMs: msUntil(level, nextToken, limit),
      retryAfterMs: violated ? msUntil(level, cost, limit) : 0,
      violated,
    }
  })
  const binding = bindingLimit(statuses)
  const block = outcome.block
  const bucketWaitMs = statuses.reduce((wait, status) => Math.max(wait, status.retryAfterMs), 0)
  return {
    // A block is answered in process for at most BLOCK_CACHE_US, so that `unblock()` reaches
    // every process within it (the deny cache keeps a denial until its retry).
    retryAfterUs: block === undefined ? retryAfterUs : Math.min(BLOCK_CACHE_US, block.ms * 1000),
    result: {
      allowed: !outcome.refused,
      limit: binding.capacity,
      remaining: binding.remaining,
      resetMs: binding.resetMs,
      retryAfterMs: block === undefined ? bucketWaitMs : Math.max(bucketWaitMs, block.ms),
      violated: statuses.filter((status) => status.violated).map((status) => status.name),
      blocked: block ?? false,
      degraded,
      limits: statuses,
    },
  }
}

function bindingLimit(statuses: readonly LimitStatus[]): LimitStatus {
  const [first, ...rest] = statuses
  if (!first) throw new TypeError('a limiter has at least one limit')
  return rest.reduce((best, status) => (tighter(status, best) ? status : best), first)
}

function tighter(a: LimitStatus, b: LimitStatus): boolean {
  if (a.violated !== b.violated) return a.violated
  if (a.violated) return a.retryAfterMs > b.retryAfterMs
  if (a.remaining !== b.remaining) return a.remaining < b.remaining
  return a.resetMs > b.resetMs
}

/** A result decided without any bucket state: every request admitted, or every request refused. */
export function blanketResult(
  limits: readonly ResolvedLimit[],
  allowed: boolean,
  retryAfterMs: number,
  degraded: RateLimitDegradation,
): RateLimitResult {
  const statuses = limits.map(
    (limit): LimitStatus => ({
      name: limit.name,
      capacity: limit.capacity,
      windowMs: limit.fillMs,
      remaining: allowed ? limit.capacity : 0,
      resetMs: allowed ? 0 : retryAfterMs,
      nextTokenMs: allowed ? 0 : retryAfterMs,
      retryAfterMs: allowed ? 0 : retryAfterMs,
      violated: !allowed,
    }),
  )
  const binding = bindingLimit(statuses)
  return {
    allowed,
    limit: binding.capacity,
    remaining: binding.remaining,
    resetMs: binding.resetMs,
    retryAfterMs: allowed ? 0 : retryAfterMs,
    violated: allowed ? [] : statuses.map((status) => status.name),
    blocked: false,
    degraded,
    limits: statuses,
  }
}
