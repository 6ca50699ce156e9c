import KeyvRedis from '@keyv/redis'
import { createCache as createRedlayerCache, type L1Options } from '@redlayer/cache'
import { createRedisGuard } from '@redlayer/resilience'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Keyv } from 'keyv'
import type { BenchContext } from '../bench-context.js'

/** The value every cache scenario stores: a small entity, well under the compression threshold. */
export const ENTITY = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'editor'],
  active: true,
  score: 98.5,
  address: { city: 'London', country: 'GB' },
}

/** A redlayer cache on its own client and guard (as an app would make it). */
export async function redlayerCache(
  ctx: BenchContext,
  name: string,
  extra: {
    l1?: L1Options
    distributed?: boolean
    commandTimeoutMs?: number
    coalesceWrites?: boolean
    earlyRefresh?: number
  } = {},
) {
  const redis = await ctx.redlayerRedis(name, {
    ...(extra.commandTimeoutMs !== undefined && { commandTimeoutMs: extra.commandTimeoutMs }),
    ...(extra.coalesceWrites !== undefined && { coalesceWrites: extra.coalesceWrites }),
  })
  const guard = createRedisGuard({ redis })
  const cache = createRedlayerCache({
    redis,
    keyspace: ctx.keyspace(),
    namespace: 'cache',
    guard,
    ttl: '10m',
    ...(extra.l1 && { l1: extra.l1 }),
    ...(extra.distributed && { distributedSingleFlight: { leaseTtl: '5s', maxWait: '5s' } }),
    ...(extra.earlyRefresh !== undefined && { earlyRefresh: extra.earlyRefresh }),
  })
  ctx.defer(async () => {
    await cache.close()
    await guard[Symbol.asyncDispose]()
  })
  await cache.ready()
  return { cache, redis, guard }
}

/**
 * bentocache with Redis only (no memory tier), on an ioredis client made like ours. `outage`:
 * its own answer to a Redis outage (errors treated as misses, its L2 circuit breaker for 1 s).
 */
export async function bentoRedisOnly(ctx: BenchContext, name: string, outage?: { commandTimeoutMs: number }) {
  const redis = await ctx.redis(name, outage ?? {})
  const bento = new BentoCache({
    default: 'redis',
    prefix: ctx.prefix('bento'),
    ...(outage && { suppressL2Errors: true, l2CircuitBreakerDuration: '1s' }),
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: redis })) },
  })
  ctx.defer(() => bento.disconnectAll())
  return bento
}

/** bentocache with its memory tier in front of Redis and its Redis bus, as its docs set up a multi-process app. */
export async function bentoWithMemory(
  ctx: BenchContext,
  name: string,
  memory: { maxItems: number; maxSize: number },
) {
  const redis = await ctx.redis(name)
  const bento = new BentoCache({
    default: 'tiered',
    prefix: ctx.prefix('bento'),
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: memory.maxItems, maxSize: memory.maxSize }))
        .useL2Layer(redisDriver({ connection: redis }))
        .useBus(redisBusDriver({ connection: { host: ctx.server.host, port: ctx.server.port } })),
    },
  })
  ctx.defer(() => bento.disconnectAll())
  return bento
}

/**
 * cache-manager 7 on Keyv with @keyv/redis (its own node-redis client: that is how it is used;
 * on Cluster node-redis' cluster client, started from every node).
 */
export async function cacheManager(ctx: BenchContext) {
  const store =
    ctx.topology.kind === 'cluster'
      ? new KeyvRedis({ rootNodes: ctx.nodeUrls.map((url) => ({ url })) })
      : new KeyvRedis(ctx.server.url)
  const keyv = new Keyv({ store, namespace: ctx.prefix('cm').slice(0, -1) })
  const cache = createCacheManager({ stores: [keyv] })
  ctx.defer(() => cache.disconnect())
  return cache
}
