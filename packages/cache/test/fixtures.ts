import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, type DegradationMode, loadRedisConfig, type RedisClient } from '@redlayer/connection'
import { defineKeyspace, type FlushClass } from '@redlayer/keyspace'
import { createRedlayerMetrics, type RedlayerMetrics } from '@redlayer/metrics'
import { createRedisGuard, type RedisGuard } from '@redlayer/resilience'
import type { Registry } from 'prom-client'
import { type Cache, type CacheOptions, createCache } from '../src/index.js'

/** A keyspace of its own per test (a random app prefix) with one `entity` cache namespace. */
export function testKeyspace({
  prefix = `t${randomBytes(4).toString('hex')}`,
  flushClass = 'safe',
  whenRedisDown = 'serve-stale',
}: {
  prefix?: string
  flushClass?: FlushClass
  whenRedisDown?: DegradationMode
} = {}) {
  return defineKeyspace({
    prefix,
    namespaces: {
      entity: {
        prefix: 'entity',
        description: 'entity cache',
        ttl: { default: '10m', min: '1ms', max: '1h' },
        flushClass,
        whenRedisDown,
      },
    },
  })
}

export type TestKeyspace = ReturnType<typeof testKeyspace>
export type TestCacheOptions = Partial<Omit<CacheOptions<'entity'>, 'redis' | 'keyspace' | 'namespace'>>

export interface CacheFixture extends AsyncDisposable {
  readonly redis: RedisClient
  readonly keyspace: TestKeyspace
  readonly metrics: RedlayerMetrics
  readonly guard: RedisGuard
  /** A cache on this fixture's client, guard and keyspace; disposed with the fixture. */
  cache(options?: TestCacheOptions): Cache<'entity'>
  /** A second process's view: its own client, guard, metrics and cache on the same keyspace. */
  peer(options?: TestCacheOptions): Promise<CacheFixture>
  /** One sample of a metric of this fixture's registry (0 when absent). */
  sample(name: string, labels?: Record<string, string>): Promise<number>
}

/** A fast-failing client, a guard and metrics on a topology's env; dispose with `await using`. */
export async function cacheFixture(
  env: Record<string, string>,
  {
    commandTimeoutMs = 300,
    keyspace = testKeyspace(),
  }: { commandTimeoutMs?: number; keyspace?: TestKeyspace } = {},
): Promise<CacheFixture> {
  const redis = createRedis(loadRedisConfig({ ...env, REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs) }))
  redis.on('error', () => {}) // outages are part of these tests; the guard sees each failure
  if (redis.status !== 'ready') await once(redis, 'ready')
  const metrics = createRedlayerMetrics()
  const guard = createRedisGuard({
    redis,
    commandTimeout: commandTimeoutMs,
    resetTimeout: 300,
    volumeThreshold: 3,
  })
  const caches: Cache<'entity'>[] = []
  const peers: CacheFixture[] = []
  return {
    redis,
    keyspace,
    metrics,
    guard,
    cache(options = {}) {
      const cache = createCache({ redis, keyspace, namespace: 'entity', guard, ...options })
      caches.push(cache)
      return cache
    },
    async peer() {
      const peer = await cacheFixture(env, { commandTimeoutMs, keyspace })
      peers.push(peer)
      return peer
    },
    sample: (name, labels) => sample(metrics.registry, name, labels),
    async [Symbol.asyncDispose]() {
      for (const cache of caches) await cache.close()
      for (const peer of peers) await peer[Symbol.asyncDispose]()
      await guard[Symbol.asyncDispose]()
      metrics.close()
      redis.disconnect()
    },
  }
}

/** One sample of a counter or gauge by name and labels (summed over the other labels). */
export async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  return values
    .filter((value) => Object.entries(labels).every(([key, want]) => String(value.labels[key]) === want))
    .reduce((sum, value) => sum + value.value, 0)
}

/** Polls `predicate` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}

/** A loader that counts its calls. */
export function countingLoader<T>(value: T | (() => T | Promise<T>), delayMs = 0) {
  const loader = Object.assign(
    async () => {
      loader.calls++
      if (delayMs > 0) await sleep(delayMs)
      return typeof value === 'function' ? (value as () => T | Promise<T>)() : value
    },
    { calls: 0 },
  )
  return loader
}

/** A loader that waits for the test: `started` resolves once it runs, `finish` settles it. */
export function gatedLoader<T>() {
  let release: (value: T) => void = () => {}
  let markStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })
  const load = () =>
    new Promise<T>((resolve) => {
      release = resolve
      markStarted()
    })
  return { load, started, finish: (value: T) => release(value) }
}
