import { isRedlayerError } from '@redlayer/connection'
import { startRedis } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedlayer } from '../src/index.js'

// Issue 14: the five-line setup. One entry point shares one client, keyspace, breaker and
// metrics registry among the packages it hands out, and closes them together.
describe('createRedlayer', () => {
  let server: Awaited<ReturnType<typeof startRedis>>
  let redis: Redis
  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis(server.url)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.[Symbol.asyncDispose]()
  })

  it('runs a getOrSet from a keyspace declared by kind, in the lines the README shows', async () => {
    await using redlayer = createRedlayer({
      redis,
      keyspace: { namespaces: { products: { kind: 'cache', ttl: '10m' } } },
    })
    const product = await redlayer.cache('products').getOrSet(['product', 42], async () => ({ name: 'lamp' }))
    expect(product).toEqual({ name: 'lamp' })
    expect(await redlayer.cache('products').get(['product', 42])).toEqual({ name: 'lamp' })
    const key = redlayer.keyspace.family('products', 'product', 42).key()
    // The declared 10 minutes, less the cache's TTL jitter (at most 10 %), not a shorter default.
    expect(await redis.pttl(key)).toBeGreaterThan(530_000)
  })

  it('hands out each package once, on one guard and one registry, and closes them all', async () => {
    const registry = new Registry()
    const redlayer = createRedlayer({
      redis,
      registry,
      keyspace: {
        prefix: 'shop',
        namespaces: {
          products: { kind: 'cache' },
          api: { kind: 'ratelimit' },
          jobs: { kind: 'lock' },
          chats: { kind: 'session' },
        },
      },
    })
    const cache = redlayer.cache('products', { ttl: '1m' })
    expect(redlayer.cache('products')).toBe(cache)
    const burst = { name: 'burst', capacity: 1, refill: { tokens: 1, interval: '1m' } }
    const limits = [burst]
    const limiter = redlayer.rateLimiter('api', { name: 'login', limits })
    expect(redlayer.rateLimiter('api', { name: 'login', limits })).toBe(limiter)
    expect(() => redlayer.rateLimiter('api', { name: 'login', limits: [{ ...burst, capacity: 5 }] })).toThrow(
      /already exists/,
    )
    expect(() => redlayer.rateLimiter('api', { name: 'login', limits, onRedisDown: 'fail-closed' })).toThrow(
      /already exists/,
    )
    expect(() => redlayer.cache('products', { ttl: '2m' })).toThrow(/pass them on the first call only/)
    const locks = redlayer.locks('jobs')
    const sessions = redlayer.sessions('chats')

    expect((await limiter.consume('ada')).allowed).toBe(true)
    expect((await limiter.consume('ada')).allowed).toBe(false)
    const fence = await locks.withLock('recount', async (lock) => lock.fence)
    expect(fence).toBeGreaterThan(0n)
    const { id } = await sessions.create({ appName: 'shop', userId: 'u-1', state: { cart: 1 } })
    expect((await sessions.get(id))?.state).toEqual({ cart: 1 })
    await cache.set('p', 1)
    // One registry: every package's instruments are in it, one breaker gauge for the connection.
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name)
    expect(names).toEqual(expect.arrayContaining(['redlayer_cache_hits_total', 'redlayer_breaker_state']))
    expect(redlayer.guard.state).toBe('closed')

    await redlayer.close()
    await expect(cache.get('p')).rejects.toSatisfy((error) => isRedlayerError(error, 'E_CACHE_CLOSED'))
    await expect(limiter.consume('ada')).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_RATELIMIT_CLOSED'),
    )
    await expect(locks.tryAcquire('x')).rejects.toSatisfy((error) => isRedlayerError(error, 'E_LOCK_CLOSED'))
    await expect(sessions.get(id)).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_SESSION_STORE_CLOSED'),
    )
    expect(redlayer.guard.disposed).toBe(true)
    expect(() => redlayer.cache('products')).toThrow(/closed/)
    expect(await redis.ping()).toBe('PONG') // the client is the app's
  })

  it('refuses a missing client with a typed error', () => {
    expect(() => createRedlayer({ keyspace: { namespaces: { a: { kind: 'cache' } } } } as never)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    )
  })
})
