// What a registry user writes: their own ioredis client, every public package, `tsc --strict`.
// The consumer test (test/consumer.integration.test.ts) installs the packed tarballs into a
// project outside the workspace, type-checks this file and runs it against a redis-server.
import { createCache } from '@redlayer/cache'
import { checkRedisHealth, createRedis, loadRedisConfig } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createLockManager } from '@redlayer/lock'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { instrumentRedlayer } from '@redlayer/opentelemetry'
import { createRateLimiter } from '@redlayer/ratelimit'
import { createRedisGuard } from '@redlayer/resilience'
import { createSessionStore } from '@redlayer/session'
import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { createRedlayer } from 'redlayer'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const keyspace = defineKeyspace({
  prefix: 'consumer',
  namespaces: {
    cache: {
      prefix: 'cache',
      description: 'entities',
      ttl: { default: '1m' },
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    },
    ratelimit: {
      prefix: 'rl',
      description: 'buckets',
      ttl: { default: '1h' },
      flushClass: 'disruptive',
      whenRedisDown: 'fail-open',
    },
    lock: {
      prefix: 'lock',
      description: 'locks',
      ttl: { default: '30s' },
      flushClass: 'forbidden',
      whenRedisDown: 'fail-closed',
    },
    session: {
      prefix: 'session',
      description: 'sessions',
      ttl: { default: '30m', mode: 'sliding' },
      flushClass: 'disruptive',
      whenRedisDown: 'fail-closed',
    },
  },
})

// The user's own client, from the user's own ioredis (one copy in the install).
const redis = new Redis(url, { maxRetriesPerRequest: 1 })
// And one made by redlayer from the environment, as the example app does.
const managed = createRedis(loadRedisConfig({ REDIS_URL: url }))
// The instruments record every redlayer object of the process; so does OpenTelemetry (global,
// no-op providers here: an app registers its SDK first).
const registry = new Registry()
const metrics = createRedlayerMetrics({ registry })
const telemetry = instrumentRedlayer()
const guard = createRedisGuard({ redis })

const cache = createCache({ redis, keyspace, namespace: 'cache', guard, ttl: '1m' })
const limiter = createRateLimiter({
  redis,
  keyspace,
  namespace: 'ratelimit',
  guard,
  name: 'api',
  limits: [{ name: 'burst', capacity: 2, refill: { tokens: 1, interval: '1m' } }],
})
const locks = createLockManager({ redis, keyspace, namespace: 'lock', guard })
const sessions = createSessionStore({ redis, keyspace, namespace: 'session', guard })

const loaded = await cache.getOrSet(['user', 42], async () => ({ name: 'Ada' }))
const cached = await cache.getOrSet(['user', 42], async () => ({ name: 'never loaded' }))
const decisions = [
  await limiter.consume('client-1'),
  await limiter.consume('client-1'),
  await limiter.consume('client-1'),
]
const fenced = await locks.withLock(['invoice', 7], async (lock) => lock.fence)
const { id } = await sessions.create({ appName: 'sample', userId: 'u-1', state: { step: 1 } })
const session = await sessions.get(id)
const health = await checkRedisHealth(managed)
// The short way: one entry point, a namespace declared by its kind.
const redlayer = createRedlayer({
  redis,
  keyspace: { prefix: 'short', namespaces: { products: { kind: 'cache' } } },
})
const product = await redlayer.cache('products').getOrSet(['product', 42], async () => ({ name: 'lamp' }))
await redlayer.close()

const result = {
  cache: loaded.name === 'Ada' && cached.name === 'Ada',
  ratelimit: decisions.map((decision) => decision.allowed).join(','),
  lock: typeof fenced === 'bigint' && fenced > 0n,
  session: session?.state.step === 1,
  health: health.ok,
  metrics: (await metrics.cacheHits.get()).values.some((sample) => sample.value > 0),
  redlayer: product,
}
console.log(JSON.stringify(result))

await cache.close()
await limiter[Symbol.asyncDispose]()
await locks.close()
await guard[Symbol.asyncDispose]()
telemetry.close()
metrics.close()
redis.disconnect()
managed.disconnect()
