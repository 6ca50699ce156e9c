import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { sharedRedisGuard } from './shared-guard.js'

describe('sharedRedisGuard', () => {
  const clients: Redis[] = []
  const client = () => {
    const redis = new Redis({ lazyConnect: true })
    clients.push(redis)
    return redis
  }
  afterEach(() => {
    for (const redis of clients.splice(0)) redis.disconnect()
  })

  it('gives every package on one connection the same breaker, and another connection its own', async () => {
    const a = client()
    const b = client()
    const guard = sharedRedisGuard(a)
    expect(sharedRedisGuard(a)).toBe(guard)
    expect(sharedRedisGuard(b)).not.toBe(guard)
    await guard[Symbol.asyncDispose]()
    await sharedRedisGuard(b)[Symbol.asyncDispose]()
  })

  it('replaces a shared guard that the app disposed', async () => {
    const redis = client()
    const first = sharedRedisGuard(redis)
    await first[Symbol.asyncDispose]()
    expect(first.disposed).toBe(true)
    const second = sharedRedisGuard(redis)
    expect(second).not.toBe(first)
    expect(second.disposed).toBe(false)
    await second[Symbol.asyncDispose]()
  })
})
