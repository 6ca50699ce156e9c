import { interleaveAtEachConcurrency } from '../harness.js'
import { bentoRedisOnly, cacheManager, ENTITY, redlayerCache } from '../peers/caches.js'
import { cpuChecks, throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_AND_CLUSTER } from '../scenario.js'

const KEYS = 100

/** A read-through hit served by Redis (no in-process tier): the common path of every cache. */
export const cacheHit: Scenario = {
  name: 'cache-hit',
  title: 'cache hit from Redis, no L1: getOrSet',
  adrs: ['ADR-0020', 'ADR-0021', 'ADR-0010'],
  topologies: STANDALONE_AND_CLUSTER,
  async run(ctx) {
    const { cache } = await redlayerCache(ctx, 'redlayer')
    // Issue 18: the same cache, and the raw read, with a tick's writes coalesced (ADR-0010).
    const { cache: coalesced } = await redlayerCache(ctx, 'redlayer-coalesced', { coalesceWrites: true })
    // Issue 19: the check every hit pays with refresh-ahead on (ADR-0020); a 10m TTL is not due here.
    const { cache: refreshing } = await redlayerCache(ctx, 'redlayer-early-refresh', { earlyRefresh: 0.8 })
    const rawCoalesced = await ctx.redis('raw-coalesced', { coalesceWrites: true })
    const raw = await ctx.redis('raw')
    const rawPipelined = await ctx.redis('raw-auto-pipelining', { autoPipelining: true })
    const rawPrefix = ctx.prefix('raw')
    const bento = await bentoRedisOnly(ctx, 'bentocache')
    const cm = await cacheManager(ctx)
    const loader = () => ENTITY
    for (let n = 0; n < KEYS; n++) {
      await cache.getOrSet(['item', n], loader)
      await coalesced.getOrSet(['item', n], loader)
      await refreshing.getOrSet(['item', n], loader)
      await raw.set(`${rawPrefix}${n}`, JSON.stringify(ENTITY), 'PX', 600_000)
      await bento.getOrSet({ key: `item:${n}`, factory: loader, ttl: '10m' })
      await cm.wrap(`item:${n}`, loader, 600_000)
    }
    const contenders = [
      { name: 'redlayer', op: (_w: number, i: number) => cache.getOrSet(['item', i % KEYS], loader) },
      {
        // Not comparators with an aim: what `coalesceWrites: true` does (ADR-0010).
        name: 'redlayer, coalesced writes',
        op: (_w: number, i: number) => coalesced.getOrSet(['item', i % KEYS], loader),
      },
      {
        name: 'redlayer, earlyRefresh 0.8',
        op: (_w: number, i: number) => refreshing.getOrSet(['item', i % KEYS], loader),
      },
      {
        name: 'raw, coalesced writes',
        op: async (_w: number, i: number) =>
          JSON.parse((await rawCoalesced.get(`${rawPrefix}${i % KEYS}`)) as string),
      },
      {
        name: 'raw GET+JSON.parse',
        op: async (_w: number, i: number) => JSON.parse((await raw.get(`${rawPrefix}${i % KEYS}`)) as string),
      },
      {
        // Not a comparator with an aim: shows what one socket write per batch of commands
        // (node-redis' default, ioredis' auto-pipelining) does to the same raw read.
        name: 'raw, ioredis auto-pipelining',
        op: async (_w: number, i: number) =>
          JSON.parse((await rawPipelined.get(`${rawPrefix}${i % KEYS}`)) as string),
      },
      {
        name: 'bentocache',
        op: (_w: number, i: number) =>
          bento.getOrSet({ key: `item:${i % KEYS}`, factory: loader, ttl: '10m' }),
      },
      { name: 'cache-manager', op: (_w: number, i: number) => cm.wrap(`item:${i % KEYS}`, loader, 600_000) },
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: concurrency === 1 ? 600 : 3_000, rounds: 15 }),
    )
    return {
      measurements,
      checks: [
        // Issue 18: the client CPU per call at most 1.3x raw ioredis doing the same round trips.
        ...cpuChecks(measurements, 'redlayer', 'raw GET+JSON.parse', { op: '<=', target: 1.3 }, [1]),
        ...throughputChecks(
          measurements,
          'redlayer',
          'raw GET+JSON.parse',
          { op: '>=', target: 0.85 },
          CONCURRENCY,
        ),
        ...throughputChecks(measurements, 'redlayer', 'bentocache', { op: '>=', target: 1.0 }, CONCURRENCY),
        ...throughputChecks(
          measurements,
          'redlayer',
          'cache-manager',
          { op: '>=', target: 1.5 },
          CONCURRENCY,
        ),
        ...throughputChecks(
          measurements,
          'raw, ioredis auto-pipelining',
          'raw GET+JSON.parse',
          undefined,
          CONCURRENCY,
        ),
        // Issue 18: near what one connection can do.
        ...throughputChecks(
          measurements,
          'redlayer',
          'raw, ioredis auto-pipelining',
          { op: '>=', target: 0.9 },
          [64],
        ),
        ...throughputChecks(measurements, 'redlayer, coalesced writes', 'redlayer', undefined, CONCURRENCY),
        ...throughputChecks(measurements, 'redlayer, earlyRefresh 0.8', 'redlayer', undefined, CONCURRENCY),
        ...throughputChecks(
          measurements,
          'raw, coalesced writes',
          'raw GET+JSON.parse',
          undefined,
          CONCURRENCY,
        ),
      ],
    }
  },
}
