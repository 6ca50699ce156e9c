import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { batchedScript, LuaScript } from '@redlayer/connection/internal'
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

/**
 * The script for the buckets of `limits` on one client (the scripts are defined on the client
 * once; every limiter may share them). The limits' settings are turned into arguments once, here.
 * Issue 18: the decisions one tick asks for after its first leave together at its end
 * (`batchedScript`), one script call per hash slot: one command to write, parse and run instead
 * of one each. The first, and a lone decision, is the one-decision script at once, as before.
 * Each decision's result, and its error (a refused write fails only its own decision), is what
 * the script alone would have given it.
 */
export function tokenBucketScript(redis: RedisClient, limits: readonly ResolvedLimit[], penaltyMs: number) {
  void LuaScript.prepare(redis) // ahead of the first decision (see LuaScript)
  const settings = limits.flatMap((limit) => [String(limit.capacityUnits), String(limit.refillPerUs)])
  const penalty = String(penaltyMs)
  /** `denyMs`: how long a `deny` lasts; a `consume` passes the limiter's penalty (issue 19). */
  return async (
    keys: readonly string[],
    operation: BucketOperation,
    costs: readonly number[],
    denyMs?: number,
  ): Promise<BucketOutcome> => {
    const args: string[] = [operation, denyMs === undefined ? penalty : String(denyMs)]
    for (let i = 0; i < limits.length; i++) {
      args.push(settings[2 * i] as string, settings[2 * i + 1] as string, String(costs[i] ?? 0))
    }
    return parseReply(await run(redis, keys, args), limits.length)
  }
}

function parseReply(reply: unknown, count: number): BucketOutcome {
  if (!Array.isArray(reply) || reply.length !== count + 2 || !reply.every((n) => typeof n === 'number')) {
    throw new RedlayerError('E_UNEXPECTED_REPLY', 'the token bucket script returned an unexpected reply', {
      details: { type: Array.isArray(reply) ? 'array' : typeof reply, expectedLength: count + 2 },
    })
  }
  const block = reply[count + 1] as number
  return {
    refused: reply[0] === 1,
    levels: reply.slice(1, count + 1),
    block: block === 0 ? undefined : { kind: block < 0 ? 'denied' : 'penalty', ms: Math.abs(block) },
  }
}
