import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { batchedScript, LuaScript, type SharedRun } from '@redlayer/connection/internal'
import type { ResolvedLimit } from './limit.js'
import type { BucketOutcome } from './result.js'

// ADR-0012: one constant script, read once from the file beside this module (the build copies it
// to dist), and its batch (issue 18). EVALSHA falls back to EVAL of the same text on NOSCRIPT, so
// a SCRIPT FLUSH, a restart or a failover to a node without the script costs one extra round
// trip, never an error.
const SCRIPT = new LuaScript('redlayerRatelimitTokenBucket', new URL('./token-bucket.lua', import.meta.url))
const run = batchedScript(SCRIPT)

/** A decision on a request, and the two operations on a subject's block (issue 19). */
export type DecisionOperation = 'consume' | 'peek' | 'refund'
export type BucketOperation = DecisionOperation | 'deny' | 'unblock'

/** The arguments of one subject's buckets in a call (see token-bucket.lua). */
export class BucketArgs {
  readonly count: number
  /** The subject's penalty in ms, as the script reads it. */
  readonly penalty: string
  readonly #settings: readonly string[]

  constructor(limits: readonly ResolvedLimit[], penaltyMs: number) {
    this.count = limits.length
    this.#settings = limits.flatMap((limit) => [String(limit.capacityUnits), String(limit.refillPerUs)])
    this.penalty = String(penaltyMs)
  }

  /** A call over this subject alone: three arguments per bucket, the penalty in ARGV[2]. */
  pushOne(args: string[], costs: readonly number[]): void {
    for (let i = 0; i < this.count; i++) {
      args.push(this.#settings[2 * i] as string, this.#settings[2 * i + 1] as string, String(costs[i] ?? 0))
    }
  }

  /** A call over several subjects: four per bucket, the first carrying the subject's penalty. */
  push(args: string[], costs: readonly number[]): void {
    for (let i = 0; i < this.count; i++) {
      args.push(
        this.#settings[2 * i] as string,
        this.#settings[2 * i + 1] as string,
        String(costs[i] ?? 0),
        i === 0 ? this.penalty : '-1',
      )
    }
  }
}

/** What one call said about every bucket it named, in order (see token-bucket.lua). */
export interface ScriptReply {
  readonly refused: boolean
  readonly levels: readonly number[]
  /** Per bucket: its subject's block ms on the subject's first bucket (negative: a denial), else 0. */
  readonly blocks: readonly number[]
}

/** One call of the script over `keys` (of one slot) with `args` ([operation, denial ms, buckets...]). */
export async function runBuckets(
  redis: RedisClient,
  keys: readonly string[],
  args: readonly string[],
): Promise<ScriptReply> {
  return parseReply(await run(redis, keys, args), keys.length)
}

/** The outcome for the buckets `from` to `from + count` of a reply: one subject's. */
export function outcomeOf(
  reply: ScriptReply,
  from: number,
  count: number,
  refused = reply.refused,
): BucketOutcome {
  return { refused, levels: reply.levels.slice(from, from + count), block: blockOf(reply.blocks[from] ?? 0) }
}

/**
 * The script for the buckets of `limits` on one client (the scripts are defined on the client
 * once; every limiter may share them). The limits' settings are turned into arguments once, here.
 * Issue 18: the decisions one tick asks for after its first leave together at its end
 * (`batchedScript`), one script call per hash slot: one command to write, parse and run instead
 * of one each. The first, and a lone decision, is the one-decision script at once, as before.
 * Each decision's result, and its error (a refused write fails only its own decision), is what
 * the script alone would have given it.
 */
export function tokenBucketScript(redis: RedisClient, buckets: BucketArgs) {
  void LuaScript.prepare(redis) // ahead of the first decision (see LuaScript)
  /**
   * `denyMs`: how long a `deny` lasts (issue 19); `shared`: the guard's shared run of the call
   * (`RedisGuard.runShared`, ADR-0013 "Shared runs").
   */
  return async (
    keys: readonly string[],
    operation: BucketOperation,
    costs: readonly number[],
    denyMs = 0,
    shared?: SharedRun,
  ): Promise<BucketOutcome> => {
    const args: string[] = [operation, operation === 'deny' ? String(denyMs) : buckets.penalty]
    buckets.pushOne(args, costs)
    // One subject: its outcome straight from the reply (every decision's path, no ScriptReply).
    const reply = checkReply(await run(redis, keys, args, shared), keys.length)
    return {
      refused: reply[0] === 1,
      levels: reply.slice(1, buckets.count + 1),
      block: blockOf(reply[buckets.count + 1] as number),
    }
  }
}

/** A block as the script gives it: remaining ms, negative for a denial, 0 for none. */
function blockOf(ms: number): BucketOutcome['block'] {
  return ms === 0 ? undefined : { kind: ms < 0 ? 'denied' : 'penalty', ms: Math.abs(ms) }
}

function checkReply(reply: unknown, count: number): number[] {
  let valid = Array.isArray(reply) && reply.length === 2 * count + 1
  for (let i = 0; valid && i < (reply as unknown[]).length; i++)
    valid = typeof (reply as unknown[])[i] === 'number'
  if (!valid) {
    throw new RedlayerError('E_UNEXPECTED_REPLY', 'the token bucket script returned an unexpected reply', {
      details: { type: Array.isArray(reply) ? 'array' : typeof reply, expectedLength: 2 * count + 1 },
    })
  }
  return reply as number[]
}

function parseReply(reply: unknown, count: number): ScriptReply {
  const checked = checkReply(reply, count)
  return { refused: checked[0] === 1, levels: checked.slice(1, count + 1), blocks: checked.slice(count + 1) }
}
