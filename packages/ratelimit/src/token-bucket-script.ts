import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import calculateSlot from 'cluster-key-slot'
import type { ResolvedLimit } from './limit.js'
import type { BucketOutcome } from './result.js'

// ADR-0012: constant scripts, read once from the files beside this module (the build copies them
// to dist), the decision itself written once in the prelude. EVALSHA falls back to EVAL of the
// same text on NOSCRIPT, so a SCRIPT FLUSH, a restart or a failover to a node without the script
// costs one extra round trip, never an error.
const prelude = new URL('./token-bucket-common.lua', import.meta.url)
const ONE = new LuaScript('redlayerRatelimitTokenBucket', new URL('./token-bucket.lua', import.meta.url), {
  prelude,
})
const BATCH = new LuaScript(
  'redlayerRatelimitTokenBucketBatch',
  new URL('./token-bucket-batch.lua', import.meta.url),
  { prelude },
)

/** At most this many decisions share one script call, so that one call never holds Redis long. */
export const MAX_BATCH = 64

export type BucketOperation = 'consume' | 'peek' | 'refund'

interface Queued {
  readonly keys: readonly string[]
  /** The operation, then 3 arguments per key: what one decision's script takes as ARGV. */
  readonly args: readonly string[]
  readonly resolve: (outcome: BucketOutcome) => void
  readonly reject: (error: unknown) => void
}

/**
 * The script for the buckets of `limits` on one client (the scripts are defined on the client
 * once; every limiter may share them). The limits' settings are turned into arguments once, here.
 * Issue 18: the decisions one tick asks for after its first (the callers a burst of replies
 * resumed) leave together at its end, one script call per hash slot (all of them off Cluster):
 * one command to write, parse and run instead of one each. The first, and a lone decision, is the
 * one-decision script at once, as before.
 * Each decision's result, and its error (a refused write fails only its own decision), is what
 * the one-decision script would have given it.
 */
export function tokenBucketScript(redis: RedisClient, limits: readonly ResolvedLimit[]) {
  void LuaScript.prepare(redis) // ahead of the first decision (see LuaScript)
  const settings = limits.flatMap((limit) => [String(limit.capacityUnits), String(limit.refillPerUs)])
  const cluster = 'isCluster' in redis && redis.isCluster
  // ADR-0010's rule for the write path: a tick's first decision leaves at once (no added latency
  // when alone), the ones after it wait for the end of the tick and leave together.
  let ticking = false
  let queued: Queued[] | undefined

  const flush = (batch: Queued[]) => {
    if (!cluster) return send(redis, batch)
    const bySlot = new Map<number, Queued[]>()
    for (const call of batch) {
      // One subject's keys share one slot (ADR-0012): its first key names it.
      const slot = calculateSlot(call.keys[0] as string)
      const group = bySlot.get(slot)
      if (group === undefined) bySlot.set(slot, [call])
      else group.push(call)
    }
    for (const group of bySlot.values()) send(redis, group)
  }
  const endOfTick = () => {
    ticking = false
    const batch = queued
    queued = undefined
    if (batch !== undefined) flush(batch)
  }

  return (keys: readonly string[], operation: BucketOperation, costs: readonly number[]) => {
    const args: string[] = [operation]
    for (let i = 0; i < limits.length; i++) {
      args.push(settings[2 * i] as string, settings[2 * i + 1] as string, String(costs[i] ?? 0))
    }
    return new Promise<BucketOutcome>((resolve, reject) => {
      const call: Queued = { keys, args, resolve, reject }
      if (!ticking) {
        ticking = true
        process.nextTick(endOfTick)
        send(redis, [call])
        return
      }
      if (queued !== undefined && queued.length >= MAX_BATCH) flush(queued.splice(0))
      queued ??= []
      queued.push(call)
    })
  }
}

function send(redis: RedisClient, calls: readonly Queued[]): void {
  if (calls.length === 1) {
    const call = calls[0] as Queued
    ONE.run(redis, call.keys, call.args).then(
      (reply) => settle(call, reply),
      (error: unknown) => call.reject(error),
    )
    return
  }
  const keys: string[] = []
  const args: string[] = [String(calls.length)]
  for (const call of calls) {
    keys.push(...call.keys)
    args.push(String(call.keys.length), ...call.args)
  }
  BATCH.run(redis, keys, args).then(
    (replies) => {
      if (!Array.isArray(replies) || replies.length !== calls.length) {
        const error = unexpectedReply(replies, calls.length)
        for (const call of calls) call.reject(error)
        return
      }
      for (const [i, call] of calls.entries()) settle(call, replies[i])
    },
    (error: unknown) => {
      for (const call of calls) call.reject(error)
    },
  )
}

/** One decision's reply: its outcome, or the error of its own (a reply error inside a batch's reply). */
function settle(call: Queued, reply: unknown): void {
  if (reply instanceof Error) {
    call.reject(reply)
    return
  }
  const count = call.keys.length
  if (!Array.isArray(reply) || reply.length !== count + 1 || !reply.every((n) => typeof n === 'number')) {
    call.reject(unexpectedReply(reply, count + 1))
    return
  }
  call.resolve({ refused: reply[0] === 1, levels: reply.slice(1) })
}

function unexpectedReply(reply: unknown, expectedLength: number): RedlayerError {
  return new RedlayerError('E_UNEXPECTED_REPLY', 'the token bucket script returned an unexpected reply', {
    details: { type: Array.isArray(reply) ? 'array' : typeof reply, expectedLength },
  })
}
