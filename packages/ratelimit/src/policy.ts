import type { RedisClient } from '@redlayer/connection'
import type { KeyFamily } from '@redlayer/keyspace'
import type { ResolvedLimit } from './limit.js'
import { LocalBuckets, localShare } from './local-buckets.js'
import type { ResolvedRateLimiterOptions } from './options.js'
import { BucketArgs, tokenBucketScript } from './token-bucket-script.js'

/**
 * One set of limits of a limiter, its default `limits` or a tier's (issue 19, ADR-0012 "Tiers"),
 * and what decides on them: the script over its buckets and, for `local-fallback`, this process's
 * share of them.
 */
export class Policy {
  readonly limits: readonly ResolvedLimit[]
  readonly localLimits: readonly ResolvedLimit[]
  readonly local: LocalBuckets | undefined
  /** Before a subject's tag in the deny cache: '' for the default limits, so tiers never answer for each other. */
  readonly cacheKey: string
  readonly script: ReturnType<typeof tokenBucketScript>
  /** Its buckets' script arguments, for a call over several subjects (`consumeAll`). */
  readonly args: BucketArgs
  readonly #limiterName: string

  constructor(
    redis: RedisClient,
    limits: readonly ResolvedLimit[],
    options: ResolvedRateLimiterOptions,
    tier: string | undefined,
  ) {
    this.limits = limits
    this.#limiterName = options.name
    this.cacheKey = tier === undefined ? '' : `${tier}\u0000`
    this.args = new BucketArgs(limits, options.penaltyMs)
    this.script = tokenBucketScript(redis, this.args)
    this.localLimits = limits.map((limit) => localShare(limit, options.instances))
    this.local =
      options.onRedisDown === 'local-fallback'
        ? new LocalBuckets(this.localLimits, options.localMaxSubjects)
        : undefined
  }

  // ADR-0012: one family (one slot) per subject; the limiter's name keeps two limiters with a
  // limit of the same name apart, and the limit's settings keep levels kept in other units
  // (before a deploy changed the limit) apart. Tiers with a limit of the same name and settings
  // share its bucket: a subject that changes tier keeps that level.
  keys(family: KeyFamily): string[] {
    return this.limits.map((limit) => family.key(this.#limiterName, limit.name, limit.signature))
  }
}
