import calculateSlot from 'cluster-key-slot'
import type { RedisClient } from './create-redis.js'
import { RedlayerError } from './errors.js'
import { LuaScript, type ScriptArg } from './lua-script.js'
import { isCluster } from './slot-groups.js'

interface ScriptCall {
  readonly keys: readonly string[]
  readonly args: readonly ScriptArg[]
  readonly resolve: (reply: unknown) => void
  readonly reject: (error: unknown) => void
}

interface Batched {
  readonly one: LuaScript
  readonly many: LuaScript
  readonly max: number
}

/**
 * What a batch's one call to Redis is sent through: `send` is that call. A guard's shared run
 * (`RedisGuard.runShared`, ADR-0013 "Shared runs"): the calls of a tick that came with the same
 * one are one guarded run, not one each. The same function for every call that may share it.
 */
export type SharedRun = (send: () => Promise<unknown>) => Promise<unknown>

/** A client's batched calls of the current tick, in the order they came. */
interface TickQueue {
  ticking: boolean
  queued: { batched: Batched; shared: SharedRun | undefined; call: ScriptCall }[]
}

const queues = new WeakMap<RedisClient, TickQueue>()

/**
 * At most this many calls per batch. Measured with `bench --scenario ratelimit` at c=64, two runs
 * each: 64 gave 1.07x/1.17x of rate-limiter-flexible, 16 gave 1.60x/1.66x, 8 gave 1.42x/1.51x.
 * Smaller batches keep several in flight, so Redis runs one while the client reads the last.
 */
export const MAX_BATCH_CALLS = 16

/**
 * Runs `one` with the calls of one tick batched (issue 18, ADR-0010's write-path rule): the first
 * batched call of a tick on a client is sent at once, alone, so a lone call waits for nothing; the
 * batched calls after it on that client (the callers a burst of replies resumed) wait for the
 * tick's end and leave in the order they came, each run of calls of one script as one call of its
 * batch (`LuaScript.batchOf`), per hash slot on Cluster, at most `max` (`MAX_BATCH_CALLS`) each. So batched calls on
 * one client are never reordered, whatever their script (a lock's give-back runs after the
 * acquisition it gives back). A reply error fails its own call only; each call resolves to the
 * reply `one` would have given it. The one place the packages batch script calls (the rate
 * limiter's decisions, the lock's acquisitions and releases, the express store's reads and
 * writes). `shared`: what the call's batch is sent through (`SharedRun`); calls with different
 * ones never share a batch. Call it once per script, at load.
 */
export function batchedScript(
  one: LuaScript,
  { max = MAX_BATCH_CALLS }: { max?: number } = {},
): (
  redis: RedisClient,
  keys: readonly string[],
  args: readonly ScriptArg[],
  shared?: SharedRun,
) => Promise<unknown> {
  const batched: Batched = { one, many: LuaScript.batchOf(one), max }
  return (redis, keys, args, shared) =>
    new Promise((resolve, reject) => {
      const call: ScriptCall = { keys, args, resolve, reject }
      let queue = queues.get(redis)
      if (queue === undefined) {
        queue = { ticking: false, queued: [] }
        queues.set(redis, queue)
      }
      if (queue.ticking) {
        queue.queued.push({ batched, shared, call })
        return
      }
      queue.ticking = true
      process.nextTick(endOfTick, redis, queue)
      send(redis, batched, shared, [call])
    })
}

function endOfTick(redis: RedisClient, queue: TickQueue): void {
  queue.ticking = false
  const queued = queue.queued
  queue.queued = []
  const cluster = isCluster(redis)
  let start = 0
  while (start < queued.length) {
    const { batched, shared } = queued[start] as (typeof queued)[number]
    let end = start
    while (end < queued.length) {
      const next = queued[end] as (typeof queued)[number]
      if (next.batched !== batched || next.shared !== shared) break
      end++
    }
    const calls = queued.slice(start, end).map((q) => q.call)
    if (!cluster) sendInParts(redis, batched, shared, calls)
    else {
      const bySlot = new Map<number, ScriptCall[]>()
      for (const call of calls) {
        const slot = calculateSlot(call.keys[0] ?? '')
        const group = bySlot.get(slot)
        if (group === undefined) bySlot.set(slot, [call])
        else group.push(call)
      }
      for (const group of bySlot.values()) sendInParts(redis, batched, shared, group)
    }
    start = end
  }
}

function sendInParts(
  redis: RedisClient,
  batched: Batched,
  shared: SharedRun | undefined,
  calls: ScriptCall[],
): void {
  for (let i = 0; i < calls.length; i += batched.max)
    send(redis, batched, shared, calls.slice(i, i + batched.max))
}

function send(
  redis: RedisClient,
  { one, many }: Batched,
  shared: SharedRun | undefined,
  calls: ScriptCall[],
): void {
  if (calls.length === 1) {
    const call = calls[0] as ScriptCall
    through(shared, () => one.run(redis, call.keys, call.args)).then(call.resolve, call.reject)
    return
  }
  const keys: string[] = []
  const args: ScriptArg[] = [calls.length]
  for (const call of calls) {
    keys.push(...call.keys)
    args.push(call.keys.length, call.args.length, ...call.args)
  }
  through(shared, () => many.run(redis, keys, args)).then(
    (replies) => {
      if (!Array.isArray(replies) || replies.length !== calls.length) {
        const error = new RedlayerError(
          'E_UNEXPECTED_REPLY',
          'a batched script returned an unexpected reply',
          {
            details: {
              type: Array.isArray(replies) ? 'array' : typeof replies,
              expectedLength: calls.length,
            },
          },
        )
        for (const call of calls) call.reject(error)
        return
      }
      for (const [i, call] of calls.entries()) {
        const reply: unknown = replies[i]
        if (reply instanceof Error) call.reject(reply)
        else call.resolve(reply)
      }
    },
    (error: unknown) => {
      for (const call of calls) call.reject(error)
    },
  )
}

/**
 * `run()` through `shared` when there is one, with a synchronous throw as a rejection: a send at
 * the tick's end must never throw out of it.
 */
function through(shared: SharedRun | undefined, run: () => Promise<unknown>): Promise<unknown> {
  try {
    return shared === undefined ? run() : shared(run)
  } catch (error) {
    return Promise.reject(error)
  }
}
