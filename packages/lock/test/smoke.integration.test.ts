import { startRedis } from '@redlayer/testkit'
import { expect, it } from 'vitest'
import { lockFixture, openClient } from './fixtures.js'

it('smoke', async () => {
  await using server = await startRedis()
  const redis = await openClient({ REDIS_MODE: 'standalone', REDIS_URL: server.url })
  try {
    await using f = lockFixture(redis)
    const a = await f.locks.acquire('r1', { ttlMs: 1000 })
    expect(a.fence).toBe(1n)
    expect(await f.locks.tryAcquire('r1')).toBeNull()
    const t0 = performance.now()
    const waiting = f.locks.acquire('r1', { ttlMs: 1000, waitMs: 2000 })
    await new Promise((r) => setTimeout(r, 50))
    expect(await a.release()).toEqual({ released: true })
    const b = await waiting
    console.log('handoff', performance.now() - t0 - 50, b.fence)
    expect(b.fence).toBe(2n)
    expect(await a.extend()).toEqual({ extended: false, reason: 'released' })
    await b.release()
    const sem = f.locks.semaphore('s', { limit: 2, ttlMs: 1000 })
    const p1 = await sem.acquire()
    const p2 = await sem.acquire()
    expect(await sem.tryAcquire()).toBeNull()
    expect(await p1.extend()).toMatchObject({ extended: true })
    await p1.release()
    await p2.release()
  } finally {
    redis.disconnect()
  }
})
