import { performance } from 'node:perf_hooks'
import { RedlayerError } from '@redlayer/connection'
import { redlayerChannels } from '@redlayer/connection/diagnostics'
import { type KeyFamily, type KeyPart, type Keyspace, parseDuration } from '@redlayer/keyspace'
import {
  type RedisGuard,
  type RedisOutcome,
  redisFailureOf,
  sharedRedisGuard,
  type UnavailableReason,
} from '@redlayer/resilience'
import { costUnits } from './bucket-math.js'
import { DenyCache } from './deny-cache.js'
import type { ResolvedLimit } from './limit.js'
import { LocalBuckets, localShare } from './local-buckets.js'
import { type RateLimiterOptions, type ResolvedRateLimiterOptions, resolveOptions } from './options.js'
import { blanketResult, type Decision, decide, type RateLimitResult } from './result.js'
import { type DecisionOperation, tokenBucketScript } from './token-bucket-script.js'

export interface ConsumeOptions {
  /** Tokens the request costs (a positive finite number, fractions allowed); 1 by default. */
  cost?: number
  /**
   * Stops waiting for Redis (the call rejects with the signal's reason). The script may still run:
   * an aborted `consume` may have taken its tokens.
   */
  signal?: AbortSignal
}

/**
 * A token-bucket rate limiter over one or more limits (ADR-0012). Every decision is one Lua call
 * on the subject's buckets, all in one hash slot; while Redis is unreachable it follows
 * `onRedisDown` (ADR-0013).
 */
export class RateLimiter<N extends string = string> implements AsyncDisposable {
  readonly options: ResolvedRateLimiterOptions
  readonly #keyspace: Keyspace<N>
  readonly #namespace: N
  readonly #guard: RedisGuard
  readonly #script: ReturnType<typeof tokenBucketScript>
  readonly #denyCache: DenyCache | undefined
  readonly #localLimits: readonly ResolvedLimit[]
  readonly #local: LocalBuckets | undefined
  readonly #redis: RateLimiterOptions<N>['redis']

  #closed = false

  constructor(options: RateLimiterOptions<N>) {
    this.options = resolveOptions(options)
    this.#redis = options.redis
    this.#keyspace = options.keyspace
    this.#namespace = options.namespace
    this.#guard = options.guard ?? sharedRedisGuard(options.redis)
    this.#script = tokenBucketScript(options.redis, this.options.limits, this.options.penaltyMs)
    const { denyCacheEntries, onRedisDown, instances, localMaxSubjects } = this.options
    this.#denyCache = denyCacheEntries > 0 ? new DenyCache(denyCacheEntries) : undefined
    this.#localLimits = this.options.limits.map((limit) => localShare(limit, instances))
    this.#local =
      onRedisDown === 'local-fallback' ? new LocalBuckets(this.#localLimits, localMaxSubjects) : undefined
  }

  /** The limits, as validated. */
  get limits(): readonly ResolvedLimit[] {
    return this.options.limits
  }

  /**
   * Takes `cost` tokens from every limit of `subject`, or none when any limit has fewer: a refused
   * request consumes nothing. A denial is a result (`allowed: false`), never an exception.
   */
  async consume(subject: KeyPart, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    this.#assertOpen()
    const cost = options.cost ?? 1
    const costs = this.#costs(cost, this.options.limits)
    const family = this.#keyspace.family(this.#namespace, subject)
    options.signal?.throwIfAborted()
    const sentAtMs = performance.now()
    // ADR-0012: a known denial is answered in process until Redis would admit, never longer.
    const cached = this.#denyCache?.check(family.tag, cost, sentAtMs)
    if (cached) {
      this.#count(cached, true)
      return cached
    }
    const { result, retryAfterUs } = await this.#decide('consume', family, cost, costs, options.signal)
    if (!result.allowed && result.degraded === false) {
      this.#denyCache?.remember(family.tag, cost, result, sentAtMs, retryAfterUs)
    }
    this.#count(result, false)
    return result
  }

  /** What `consume` would answer now, without taking anything. */
  async peek(subject: KeyPart, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    this.#assertOpen()
    const cost = options.cost ?? 1
    const costs = this.#costs(cost, this.options.limits)
    const family = this.#keyspace.family(this.#namespace, subject)
    return (await this.#decide('peek', family, cost, costs, options.signal)).result
  }

  /**
   * Gives `cost` tokens back to every limit of `subject` (capped at the capacity), for a request
   * that turned out not to count. Returns the state after the refund (`allowed`: whether a request
   * of that cost would pass now).
   */
  async refund(subject: KeyPart, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    this.#assertOpen()
    const cost = options.cost ?? 1
    // Refunding more than a capacity is harmless: the bucket is capped at full.
    const costs = this.#costs(cost, this.options.limits, false)
    const family = this.#keyspace.family(this.#namespace, subject)
    this.#denyCache?.forget(family.tag)
    return (await this.#decide('refund', family, cost, costs, options.signal)).result
  }

  /**
   * Fills every bucket of `subject` again and lifts its block (deletes its keys). Throws
   * `E_REDIS_UNAVAILABLE` without Redis.
   */
  async reset(subject: KeyPart, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen()
    const family = this.#keyspace.family(this.#namespace, subject)
    this.#denyCache?.forget(family.tag)
    this.#local?.reset(family.tag)
    const keys = this.#keys(family)
    // One slot (ADR-0012), so one multi-key DEL is valid on Cluster too.
    await this.#guard.run('ratelimit.reset', () => this.#redis.del(...keys), { signal: options.signal })
  }

  /**
   * Issue 19, the deny list: every request of `subject` is refused (`blocked.kind` `denied`) for
   * `for` (milliseconds or `'1h'`; the namespace's maximum TTL when omitted, and at most that),
   * decided in the same script call as its buckets (ADR-0012). Replaces a running penalty.
   */
  async deny(subject: KeyPart, options: { for?: number | string; signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen()
    const requested = options.for === undefined ? Number.MAX_SAFE_INTEGER : parseDuration(options.for)
    if (!(requested >= 1)) throw new RedlayerError('E_INVALID_OPTIONS', 'deny: `for` must be at least 1 ms')
    await this.#block('deny', subject, this.#keyspace.ttl(this.#namespace, requested), options.signal)
  }

  /**
   * Lifts a denial or a penalty of `subject` (its buckets stay as they are). Other processes see it
   * within a second: they answer a blocked subject from their deny cache for at most that long.
   */
  async unblock(subject: KeyPart, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen()
    await this.#block('unblock', subject, 0, options.signal)
  }

  async #block(
    operation: 'deny' | 'unblock',
    subject: KeyPart,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const family = this.#keyspace.family(this.#namespace, subject)
    this.#denyCache?.forget(family.tag)
    const costs = this.options.limits.map(() => 0)
    await this.#guard.run(
      `ratelimit.${operation}`,
      () => this.#script(this.#keys(family), operation, costs, ms),
      {
        signal,
      },
    )
  }

  /**
   * Ends the limiter's use: later calls throw `E_RATELIMIT_CLOSED`, and its in-process deny cache
   * and local buckets are dropped. The client and the shared guard are the app's.
   */
  async close(): Promise<void> {
    this.#closed = true
    this.#denyCache?.clear()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new RedlayerError('E_RATELIMIT_CLOSED', 'the rate limiter was closed')
  }

  // ADR-0012: one family (one slot) per subject; the limiter's name keeps two limiters with a
  // limit of the same name apart, and the limit's settings keep levels kept in other units
  // (before a deploy changed the limit) apart.
  #keys(family: KeyFamily): string[] {
    return this.options.limits.map((limit) => family.key(this.options.name, limit.name, limit.signature))
  }

  #decide(
    operation: DecisionOperation,
    family: KeyFamily,
    cost: number,
    costs: number[],
    signal: AbortSignal | undefined,
  ): Promise<Decision> {
    return this.#guard.run(
      `ratelimit.${operation}`,
      async () => {
        const outcome = await this.#script(this.#keys(family), operation, costs)
        return decide(this.options.limits, costs, outcome, false)
      },
      {
        fallback: (reason, error) =>
          this.#degrade(operation, family, cost, reason, redisFailureOf(error)?.outcome ?? 'not-applied'),
        signal,
      },
    )
  }

  // ADR-0013: without Redis, the limiter's declared mode decides, and the result says so.
  #degrade(
    operation: DecisionOperation,
    family: KeyFamily,
    cost: number,
    reason: UnavailableReason,
    outcome: RedisOutcome,
  ): Decision {
    const mode = this.options.onRedisDown
    const degraded = { mode, reason, outcome }
    if (mode === 'local-fallback' && this.#local) {
      // A cost above this process's share is capped at it: admitted from a full local bucket
      // rather than refused for the whole outage.
      const costs = this.#costs(cost, this.#localLimits, false).map((units, i) =>
        Math.min(units, this.#localLimits[i]?.capacityUnits ?? units),
      )
      return decide(this.#localLimits, costs, this.#local.apply(family.tag, operation, costs), degraded)
    }
    const allowed = mode === 'fail-open'
    const retryAfterMs = this.options.failClosedRetryAfterMs
    return { result: blanketResult(this.options.limits, allowed, retryAfterMs, degraded), retryAfterUs: 0 }
  }

  #costs(cost: number, limits: readonly ResolvedLimit[], checkCapacity = true): number[] {
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost <= 0) {
      throw new RedlayerError('E_INVALID_COST', 'a cost must be a positive finite number', {
        details: { cost: typeof cost === 'number' ? cost : typeof cost },
      })
    }
    if (checkCapacity) {
      // ADR-0012: a cost above a capacity could never pass; that is a caller's bug, not a denial.
      const tooSmall = limits.find((limit) => cost > limit.capacity)
      if (tooSmall) {
        throw new RedlayerError(
          'E_COST_EXCEEDS_CAPACITY',
          `a cost of ${cost} exceeds the capacity ${tooSmall.capacity} of limit "${tooSmall.name}" and could never pass`,
          { details: { cost, limit: tooSmall.name, capacity: tooSmall.capacity } },
        )
      }
    }
    return limits.map((limit) => costUnits(cost, limit))
  }

  /** ADR-0005: one `redlayer:ratelimit.decision` per answered `consume`. */
  #count(result: RateLimitResult, denyCache: boolean): void {
    if (!redlayerChannels.rateLimitDecision.hasSubscribers) return
    redlayerChannels.rateLimitDecision.publish({
      limiter: this.options.name,
      allowed: result.allowed,
      denyCache,
      ...(result.degraded !== false && { degraded: result.degraded.mode }),
    })
  }
}

/** Creates a rate limiter; the options are validated here (`E_INVALID_OPTIONS`). */
export function createRateLimiter<N extends string>(options: RateLimiterOptions<N>): RateLimiter<N> {
  return new RateLimiter(options)
}
