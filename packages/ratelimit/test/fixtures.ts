import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createRedis, loadRedisConfig, mastersOf, type RedisClient } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createRedlayerMetrics, type RedlayerMetrics } from '@redlayer/metrics'
import { createRedisGuard, type RedisGuard } from '@redlayer/resilience'
import { serverScriptCalls, type Topology } from '@redlayer/testkit'
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../src/index.js'

/** A keyspace of its own per test (a random app prefix unless given) with the `ratelimit` namespace. */
export function testKeyspace(prefix = `t${randomBytes(4).toString('hex')}`) {
  return defineKeyspace({
    prefix,
    namespaces: {
      ratelimit: {
        prefix: 'ratelimit',
        description: 'token buckets',
        ttl: { default: '1h', min: '1ms', max: '24h' },
        flushClass: 'disruptive',
        whenRedisDown: 'fail-open',
      },
    },
  })
}

export type TestKeyspace = ReturnType<typeof testKeyspace>
export type LimiterOptions = Partial<
  Omit<RateLimiterOptions<'ratelimit'>, 'redis' | 'keyspace' | 'namespace'>
>

export interface RateLimitFixture extends AsyncDisposable {
  readonly redis: RedisClient
  readonly keyspace: TestKeyspace
  readonly metrics: RedlayerMetrics
  readonly guard: RedisGuard
  limiter(options: LimiterOptions): RateLimiter<'ratelimit'>
  /** Every bucket key of the keyspace on every master, with its PTTL. */
  bucketTtls(): Promise<Map<string, number>>
  /** Script calls (EVALSHA + EVAL) served by the topology's data nodes so far. */
  scriptCalls(): Promise<number>
}

/** A fast-failing client, guard and metrics on a topology; dispose with `await using`. */
export async function rateLimitFixture(
  topology: Topology,
  { commandTimeoutMs = 300, volumeThreshold }: { commandTimeoutMs?: number; volumeThreshold?: number } = {},
): Promise<RateLimitFixture> {
  const redis = createRedis(
    loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs) }),
  )
  // Ready, not a PING: a set-up command must not race the fast-fail command timeout on a busy machine.
  if (redis.status !== 'ready') await once(redis, 'ready')
  // Every node's connection open before the test: ioredis' Cluster client can reorder commands
  // sent while a node connection is still opening (seen by the batching test as decisions applied
  // out of order; an open problem of the connection package, not of the limiter).
  await Promise.all(mastersOf(redis).map((node) => node.ping()))
  const keyspace = testKeyspace()
  const metrics = createRedlayerMetrics()
  const guard = createRedisGuard({
    redis,
    commandTimeout: commandTimeoutMs,
    resetTimeout: 300,
    volumeThreshold,
  })
  return {
    redis,
    keyspace,
    metrics,
    guard,
    limiter: (options) =>
      createRateLimiter({
        redis,
        keyspace,
        namespace: 'ratelimit',
        guard,
        limits: { name: 'burst', capacity: 5, refill: { tokens: 1, interval: '1h' } },
        ...options,
      }),
    async bucketTtls() {
      const ttls = new Map<string, number>()
      for (const master of mastersOf(redis)) {
        let cursor = '0'
        do {
          const [next, keys] = await master.scan(cursor, 'MATCH', keyspace.pattern('ratelimit'), 'COUNT', 100)
          cursor = next
          for (const key of keys) ttls.set(key, await master.pttl(key))
        } while (cursor !== '0')
      }
      return ttls
    },
    scriptCalls: () => serverScriptCalls(topology.processes),
    async [Symbol.asyncDispose]() {
      await guard[Symbol.asyncDispose]()
      metrics.close()
      redis.disconnect()
    },
  }
}
