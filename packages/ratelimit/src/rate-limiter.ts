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
import { type RateLimiterOptions, type ResolvedRateLimiterOptions, resolveOptions } from './options.js'
import { Policy } from './policy.js'
import { type BucketOutcome, blanketResult, type Decision, decide, type RateLimitResult } from './result.js'
import type { BucketArgs, DecisionOperation } from './token-bucket-script.js'

/** The guard's label of each decision (made once: a label is a lookup key of the guard's). */
const DECISION_LABELS: Record<DecisionOperation, string> = {
  consume: 'ratelimit.consume',
  peek: 'ratelimit.peek',
  refund: 'ratelimit.refund',
}

/** The key of `RateLimiter`'s part in a combined decision (`consumeAll`); not for users. */
export const COMBINED_PART = Symbol('redlayer.ratelimit.combinedPart')

/** One limiter's part in a combined decision (issue 19): its buckets, and how it reads an outcome. */
export interface CombinedPart {
  readonly redis: RateLimiterOptions<string>['redis']
  readonly guard: RedisGuard
  readonly keys: readonly string[]
  readonly costs: readonly number[]
  readonly args: BucketArgs
  /** The result of this part from the outcome of its buckets. */
  result(outcome: BucketOutcome): RateLimitResult
  /** This part's result when Redis could not decide (its limiter's `onRedisDown`). */
  degraded(reason: UnavailableReason, outcome: RedisOutcome): RateLimitResult
}

export interface ConsumeOptions {
  /** Tokens the request costs (a positive finite number, fractions allowed); 1 by default. */
  cost?: number
  /**
   * Stops waiting for Redis (the call rejects with the signal's reason). The script may still run:
   * an aborted `consume` may have taken its tokens.
   */
  signal?: AbortSignal
  /** The tier whose limits decide (issue 19); `tierOf(subject)` when omitted, else `limits`. */
  tier?: string
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
  readonly #denyCache: DenyCache | undefined
  /** The default limits' policy, and each tier's (issue 19). */
  readonly #default: Policy
  readonly #tiers: ReadonlyMap<string, Policy>
  readonly #redis: RateLimiterOptions<N>['redis']

  #closed = false

  constructor(options: RateLimiterOptions<N>) {
    this.options = resolveOptions(options)
    this.#redis = options.redis
    this.#keyspace = options.keyspace
    this.#namespace = options.namespace
    this.#guard = options.guard ?? sharedRedisGuard(options.redis)
    const { denyCacheEntries } = this.options
    this.#denyCache = denyCacheEntries > 0 ? new DenyCache(denyCacheEntries) : undefined
    this.#default = new Policy(options.redis, this.options.limits, this.options, undefined)
    this.#tiers = new Map(
      [...this.options.tiers].map(([tier, limits]) => [
        tier,
        new Policy(options.redis, limits, this.options, tier),
      ]),
    )
  }

  /** The default limits, as validated (a tier's are `options.tiers`). */
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
    const chosen = this.#policyOf(subject, options.tier)
    const policy = chosen instanceof Policy ? chosen : await chosen
    const costs = this.#costs(cost, policy.limits)
    const family = this.#keyspace.family(this.#namespace, subject)
    options.signal?.throwIfAborted()
    const sentAtMs = performance.now()
    // ADR-0012: a known denial is answered in process until Redis would admit, never longer.
    const cacheKey = policy.cacheKey + family.tag
    const cached = this.#denyCache?.check(cacheKey, cost, sentAtMs)
    if (cached) {
      this.#count(cached, true)
      return cached
    }
    const { result, retryAfterUs } = await this.#decide(
      policy,
      'consume',
      family,
      cost,
      costs,
      options.signal,
    )
    if (!result.allowed && result.degraded === false) {
      this.#denyCache?.remember(cacheKey, cost, result, sentAtMs, retryAfterUs)
    }
    this.#count(result, false)
    return result
  }

  /** What `consume` would answer now, without taking anything. */
  async peek(subject: KeyPart, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    this.#assertOpen()
    const cost = options.cost ?? 1
    const policy = await this.#policyOf(subject, options.tier)
    const costs = this.#costs(cost, policy.limits)
    const family = this.#keyspace.family(this.#namespace, subject)
    return (await this.#decide(policy, 'peek', family, cost, costs, options.signal)).result
  }

  /**
   * Gives `cost` tokens back to every limit of `subject` (capped at the capacity), for a request
   * that turned out not to count. Returns the state after the refund (`allowed`: whether a request
   * of that cost would pass now).
   */
  async refund(subject: KeyPart, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    this.#assertOpen()
    const cost = options.cost ?? 1
    const policy = await this.#policyOf(subject, options.tier)
    // Refunding more than a capacity is harmless: the bucket is capped at full.
    const costs = this.#costs(cost, policy.limits, false)
    const family = this.#keyspace.family(this.#namespace, subject)
    this.#denyCache?.forget(policy.cacheKey + family.tag)
    return (await this.#decide(policy, 'refund', family, cost, costs, options.signal)).result
  }

  /**
   * Fills every bucket of `subject` again, in every tier, and lifts its block (deletes its keys).
   * Throws `E_REDIS_UNAVAILABLE` without Redis.
   */
  async reset(subject: KeyPart, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen()
    const family = this.#keyspace.family(this.#namespace, subject)
    const keys = new Set<string>()
    for (const policy of this.#policies()) {
      this.#denyCache?.forget(policy.cacheKey + family.tag)
      policy.local?.reset(family.tag)
      for (const key of policy.keys(family)) keys.add(key)
    }
    // One slot (ADR-0012), so one multi-key DEL is valid on Cluster too.
    await this.#guard.run('ratelimit.reset', () => this.#redis.del(...keys), { signal: options.signal })
  }

  /**
   * Issue 19, the deny list: every request of `subject` is refused (`blocked.kind` `denied`) for
   * `for` (milliseconds or `'1h'`; the namespace's maximum TTL when omitted, and at most that),
   * decided in the same script call as its buckets (ADR-0012), whatever its tier. Replaces a
   * running penalty.
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
    const policies = this.#policies()
    for (const policy of policies) this.#denyCache?.forget(policy.cacheKey + family.tag)
    // Each tier's first bucket holds the subject's block there (ADR-0012, "Tiers").
    await this.#guard.run(
      `ratelimit.${operation}`,
      () =>
        Promise.all(
          policies.map((policy) =>
            policy.script(
              policy.keys(family),
              operation,
              policy.limits.map(() => 0),
              ms,
            ),
          ),
        ),
      { signal },
    )
  }

  /**
   * Validates one part of a combined decision (cost, tier) before anything is sent, and gives
   * `consumeAll` what it needs; every answer is counted like a `consume` (ADR-0005).
   */
  async [COMBINED_PART](subject: KeyPart, cost: number, tier: string | undefined): Promise<CombinedPart> {
    this.#assertOpen()
    const policy = await this.#policyOf(subject, tier)
    const costs = this.#costs(cost, policy.limits)
    const family = this.#keyspace.family(this.#namespace, subject)
    const counted = (result: RateLimitResult) => {
      this.#count(result, false)
      return result
    }
    return {
      redis: this.#redis,
      guard: this.#guard,
      keys: policy.keys(family),
      costs,
      args: policy.args,
      result: (outcome) => counted(decide(policy.limits, costs, outcome, false).result),
      degraded: (reason, outcome) =>
        counted(this.#degrade(policy, 'consume', family, cost, reason, outcome).result),
    }
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

  /** The default policy, then every tier's. */
  #policies(): Policy[] {
    return [this.#default, ...this.#tiers.values()]
  }

  /**
   * The policy that decides for `subject` (issue 19): the call's tier, else `tierOf`'s, else the
   * default limits. A tier that is not defined is the caller's bug: `E_INVALID_OPTIONS`.
   */
  #policyOf(subject: KeyPart, tier: string | undefined): Policy | Promise<Policy> {
    if (tier !== undefined) return this.#tier(tier)
    const tierOf = this.options.tierOf
    if (tierOf === undefined) return this.#default
    const chosen = tierOf(subject)
    if (chosen === undefined) return this.#default
    if (typeof chosen === 'string') return this.#tier(chosen)
    return Promise.resolve(chosen).then((name) => (name === undefined ? this.#default : this.#tier(name)))
  }

  #tier(name: unknown): Policy {
    const policy = typeof name === 'string' ? this.#tiers.get(name) : undefined
    if (policy === undefined) {
      throw new RedlayerError('E_INVALID_OPTIONS', 'no such rate-limit tier', {
        details: { tiers: this.#tiers.size },
      })
    }
    return policy
  }

  #decide(
    policy: Policy,
    operation: DecisionOperation,
    family: KeyFamily,
    cost: number,
    costs: number[],
    signal: AbortSignal | undefined,
  ): Promise<Decision> {
    return this.#guard.runShared(
      DECISION_LABELS[operation],
      async (shared) => {
        const outcome = await policy.script(policy.keys(family), operation, costs, 0, shared)
        return decide(policy.limits, costs, outcome, false)
      },
      {
        fallback: (reason, error) =>
          this.#degrade(
            policy,
            operation,
            family,
            cost,
            reason,
            redisFailureOf(error)?.outcome ?? 'not-applied',
          ),
        signal,
      },
    )
  }

  // ADR-0013: without Redis, the limiter's declared mode decides, and the result says so.
  #degrade(
    policy: Policy,
    operation: DecisionOperation,
    family: KeyFamily,
    cost: number,
    reason: UnavailableReason,
    outcome: RedisOutcome,
  ): Decision {
    const mode = this.options.onRedisDown
    const degraded = { mode, reason, outcome }
    const { local, localLimits } = policy
    if (mode === 'local-fallback' && local) {
      // A cost above this process's share is capped at it: admitted from a full local bucket
      // rather than refused for the whole outage.
      const costs = this.#costs(cost, localLimits, false).map((units, i) =>
        Math.min(units, localLimits[i]?.capacityUnits ?? units),
      )
      return decide(localLimits, costs, local.apply(family.tag, operation, costs), degraded)
    }
    const allowed = mode === 'fail-open'
    const retryAfterMs = this.options.failClosedRetryAfterMs
    return { result: blanketResult(policy.limits, allowed, retryAfterMs, degraded), retryAfterUs: 0 }
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
