import { createLockManager } from '@redlayer/lock'
import { createRedisGuard } from '@redlayer/resilience'
import { Mutex } from 'redis-semaphore'
import Redlock from 'redlock'
import type { BenchContext } from '../bench-context.js'

/** The lease every library is given. */
export const LEASE_MS = 30_000

/** Acquire, then hand back a release: one shape for every library. */
export type Acquire = (resource: string) => Promise<() => Promise<unknown>>

/** redlayer's lock manager; `fair`: waiters served in the order they came (issue 19, ADR-0030). */
export async function redlayerLocks(ctx: BenchContext, { fair = false } = {}): Promise<Acquire> {
  const redis = await ctx.redlayerRedis(fair ? 'redlayer-fair' : 'redlayer')
  const guard = createRedisGuard({ redis })
  const locks = createLockManager({
    redis,
    keyspace: ctx.keyspace(),
    namespace: 'lock',
    guard,
    ttl: LEASE_MS,
    fair,
  })
  ctx.defer(async () => {
    await locks.close()
    await guard[Symbol.asyncDispose]()
  })
  return async (resource) => {
    const lock = await locks.acquire(resource, { wait: 10_000 })
    return () => lock.release()
  }
}

/** redis-semaphore's Mutex with its defaults (polls every 10 ms while contended). */
export async function redisSemaphoreLocks(ctx: BenchContext): Promise<Acquire> {
  const redis = await ctx.redis('redis-semaphore')
  const prefix = ctx.prefix('semaphore')
  return async (resource) => {
    const mutex = new Mutex(redis, `${prefix}${resource}`, { lockTimeout: LEASE_MS, acquireTimeout: 10_000 })
    await mutex.acquire()
    return () => mutex.release()
  }
}

/** redlock 5 on one Redis, with its defaults (retries every 200 ms, up to 100 ms of jitter). */
export async function redlockLocks(ctx: BenchContext): Promise<Acquire> {
  const redis = await ctx.redis('redlock')
  const prefix = ctx.prefix('redlock')
  const redlock = new Redlock([redis], { retryCount: 50 })
  redlock.on('error', () => undefined)
  return async (resource) => {
    const lock = await redlock.acquire([`${prefix}${resource}`], LEASE_MS)
    return () => lock.release()
  }
}
