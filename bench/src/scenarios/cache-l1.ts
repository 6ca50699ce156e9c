import { interleaveAtEachConcurrency } from '../harness.js'
import { bentoWithMemory, ENTITY, redlayerCache } from '../peers/caches.js'
import { throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_ONLY } from '../scenario.js'

const KEYS = 100
const L1 = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 }

/** A hit served by the in-process tier, each library with its bus to keep other processes coherent. */
export const cacheL1: Scenario = {
  name: 'cache-l1',
  title: 'cache hit with L1 (in-process tier + bus)',
  adrs: ['ADR-0020'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const { cache } = await redlayerCache(ctx, 'redlayer', { l1: L1 })
    const bento = await bentoWithMemory(ctx, 'bentocache', { maxItems: L1.maxEntries, maxSize: L1.maxBytes })
    const loader = () => ENTITY
    for (let n = 0; n < KEYS; n++) {
      await cache.getOrSet(['item', n], loader)
      await bento.getOrSet({ key: `item:${n}`, factory: loader, ttl: '10m' })
    }
    const contenders = [
      { name: 'redlayer L1', op: (_w: number, i: number) => cache.getOrSet(['item', i % KEYS], loader) },
      {
        name: 'bentocache memory tier',
        op: (_w: number, i: number) =>
          bento.getOrSet({ key: `item:${i % KEYS}`, factory: loader, ttl: '10m' }),
      },
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: 20_000, rounds: 15, warmupOps: 5_000 }),
    )
    return {
      measurements,
      checks: throughputChecks(
        measurements,
        'redlayer L1',
        'bentocache memory tier',
        { op: '>=', target: 1.0 },
        CONCURRENCY,
      ),
    }
  },
}
