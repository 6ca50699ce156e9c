import { RedlayerError } from '@redlayer/connection'
import { groupKeys } from '@redlayer/connection/internal'
import type { KeyPart } from '@redlayer/keyspace'
import { redisFailureOf } from '@redlayer/resilience'
import { COMBINED_PART, type CombinedPart, type RateLimiter } from './rate-limiter.js'
import type { RateLimitResult } from './result.js'
import { outcomeOf, runBuckets } from './token-bucket-script.js'

/** One limit of a combined decision: a limiter and the subject it counts (an address, a user). */
export interface LimitPart {
  readonly limiter: RateLimiter
  readonly subject: KeyPart
  /** Tokens this part costs (1). */
  readonly cost?: number
  /** The limiter's tier for this part (issue 19, "Tiers"). */
  readonly tier?: string
}

/** What a combined decision answered: every part admitted, or none charged. */
export interface CombinedResult {
  /** True when every part admitted the request, and then every part was charged. */
  readonly allowed: boolean
  /** On a refusal, the longest wait among the parts that refused; else 0. */
  readonly retryAfterMs: number
  /** Each part's result, in the order given (on a refusal, `allowed` is false in every one). */
  readonly results: readonly RateLimitResult[]
  /**
   * `atomic`: one script call decided for every part (one client, and on Cluster one slot).
   * `reserve-then-refund`: each part decided on its own and the parts that admitted were refunded
   * when another refused (ADR-0012, "Combined limits", states what that does not guarantee).
   */
  readonly mode: 'atomic' | 'reserve-then-refund'
}

/**
 * Issue 19 (rate-limiter-flexible#150): decides a request against the limits of several subjects
 * at once (per address and per user, say), all or nothing. Atomic in one script call when every
 * part uses one client and, on Cluster, their keys share a slot; otherwise every part consumes
 * at once and the ones that admitted are refunded when another refused (ADR-0012). Costs, tiers
 * and duplicates are checked before anything is sent (`E_INVALID_COST`, `E_INVALID_OPTIONS`).
 */
export async function consumeAll(
  parts: readonly LimitPart[],
  options: { signal?: AbortSignal } = {},
): Promise<CombinedResult> {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new RedlayerError('E_INVALID_OPTIONS', 'consumeAll needs at least one part')
  }
  const prepared = await Promise.all(
    parts.map((part) => part.limiter[COMBINED_PART](part.subject, part.cost ?? 1, part.tier)),
  )
  const keys = prepared.flatMap((part) => part.keys)
  // Two parts on one bucket would each be decided on its level before the other's debit.
  if (new Set(keys).size !== keys.length) {
    throw new RedlayerError('E_INVALID_OPTIONS', 'two parts of consumeAll count the same bucket')
  }
  const [first] = prepared as [CombinedPart, ...CombinedPart[]]
  const oneCall =
    prepared.every((part) => part.redis === first.redis) && groupKeys(first.redis, keys).length === 1
  options.signal?.throwIfAborted()
  return oneCall ? atomic(prepared, keys, options.signal) : reserveThenRefund(parts, options.signal)
}

async function atomic(
  prepared: readonly CombinedPart[],
  keys: readonly string[],
  signal: AbortSignal | undefined,
): Promise<CombinedResult> {
  const [first] = prepared as [CombinedPart, ...CombinedPart[]]
  const results = await first.guard.run(
    'ratelimit.consume',
    async () => {
      const args = ['consume', '0']
      for (const part of prepared) part.args.push(args, part.costs)
      const reply = await runBuckets(first.redis, keys, args)
      let from = 0
      return prepared.map((part) => {
        const outcome = outcomeOf(reply, from, part.keys.length)
        from += part.keys.length
        return part.result(outcome)
      })
    },
    {
      // ADR-0013: without Redis each part follows its own limiter's mode; all or nothing still.
      fallback: (reason, error) =>
        prepared.map((part) => part.degraded(reason, redisFailureOf(error)?.outcome ?? 'not-applied')),
      signal,
    },
  )
  return combined(results, 'atomic')
}

async function reserveThenRefund(
  parts: readonly LimitPart[],
  signal: AbortSignal | undefined,
): Promise<CombinedResult> {
  const options = (part: LimitPart) => ({
    cost: part.cost ?? 1,
    ...(part.tier !== undefined && { tier: part.tier }),
  })
  // Every part at once: one round trip of waiting, whatever the number of parts.
  const reserved = await Promise.all(
    parts.map((part) => part.limiter.consume(part.subject, { ...options(part), signal })),
  )
  if (reserved.every((result) => result.allowed)) return combined(reserved, 'reserve-then-refund')
  // One refused: the others give back what they took. A refund that fails leaves those tokens
  // taken until they refill (ADR-0012): the limits err toward refusing, never toward admitting.
  const results = await Promise.all(
    parts.map(async (part, i) => {
      const result = reserved[i] as RateLimitResult
      if (!result.allowed) return result
      const refunded = await part.limiter.refund(part.subject, options(part)).catch(() => undefined)
      return {
        ...(refunded ?? result),
        allowed: false,
        retryAfterMs: 0,
        violated: [],
        blocked: false as const,
      }
    }),
  )
  return combined(results, 'reserve-then-refund')
}

function combined(results: RateLimitResult[], mode: CombinedResult['mode']): CombinedResult {
  const allowed = results.every((result) => result.allowed)
  return {
    allowed,
    retryAfterMs: allowed ? 0 : Math.max(...results.map((result) => result.retryAfterMs)),
    results,
    mode,
  }
}
