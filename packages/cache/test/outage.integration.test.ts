import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader, testKeyspace, until } from './fixtures.js'

const M = 'redlayer_'

// ADR-0013: the cache against a Redis that is really stopped (SIGSTOP: sockets stay open, nothing
// answers), on standalone and on Cluster (every node stopped).
describe.each(topologiesFromEnv().filter((kind) => kind !== 'sentinel'))(
  'cache during an outage on %s',
  (kind) => {
    const topology = useTopology(kind)

    const pause = () => {
      for (const process of topology.processes) process.pause()
    }
    const resume = () => {
      for (const process of topology.processes) process.resume()
    }

    it('falls through to the loader, serves graced L1 values, skips and counts writes', async () => {
      await using f = await cacheFixture(topology.env)
      const cache = f.cache({ l1: true, ttl: 200, jitter: 0, grace: '1m' })
      await cache.ready()
      await cache.set('graced', 'before the outage')
      await sleep(250) // logically expired, within grace
      pause()
      try {
        const failing = async () => {
          throw new Error('database down too')
        }
        expect(await cache.getOrSet('graced', failing)).toBe('before the outage')
        expect(await f.sample(`${M}cache_stale_served_total`, { reason: 'redis-unavailable' })).toBe(1)
        expect(await cache.get('graced')).toBe('before the outage')

        const loader = countingLoader('from the loader')
        expect(await cache.getOrSet('cold', loader)).toBe('from the loader')
        expect(loader.calls).toBe(1)
        expect(
          await f.sample(`${M}cache_writes_skipped_total`, { namespace: 'entity' }),
        ).toBeGreaterThanOrEqual(1)
        await expect(cache.getOrSet('cold-and-failing', failing)).rejects.toThrow('database down too')
        expect(await cache.set('written-during', 1)).toMatchObject({ applied: false })
      } finally {
        resume()
      }
    })

    it("follows the namespace's whenRedisDown: bypass never serves stale, fail-closed refuses", async () => {
      await using bypass = await cacheFixture(topology.env, {
        keyspace: testKeyspace({ whenRedisDown: 'bypass' }),
      })
      await using closed = await cacheFixture(topology.env, {
        keyspace: testKeyspace({ whenRedisDown: 'fail-closed' }),
      })
      const bypassing = bypass.cache({ l1: true, ttl: 200, jitter: 0, grace: '1m' })
      const failingClosed = closed.cache({ l1: true })
      await Promise.all([bypassing.ready(), failingClosed.ready()])
      await bypassing.set('k', 'old')
      await sleep(250)
      pause()
      try {
        const loader = countingLoader('from the source')
        expect(await bypassing.getOrSet('k', loader)).toBe('from the source')
        expect(loader.calls).toBe(1)
        expect(await bypassing.get('k')).toBeUndefined()
        await expect(
          bypassing.getOrSet('k', async () => {
            throw new Error('source down')
          }),
        ).rejects.toThrow('source down')
        await expect(failingClosed.getOrSet('k', loader)).rejects.toSatisfy((error) =>
          isRedlayerError(error, 'E_REDIS_UNAVAILABLE'),
        )
        expect(loader.calls).toBe(1)
      } finally {
        resume()
      }
    })

    it('keeps deletes, tag invalidations and sets made during the outage, and replays them after it', async () => {
      await using a = await cacheFixture(topology.env)
      const b = await a.peer()
      const cacheA = a.cache({ l1: true, replayInterval: 100 })
      const cacheB = b.cache({ l1: true })
      await Promise.all([cacheA.ready(), cacheB.ready()])
      await cacheA.set('deleted', 'old')
      await cacheA.set('tagged', 'old', { tags: ['t'] })
      await cacheA.set('overwritten', 'old')
      for (const id of ['deleted', 'tagged', 'overwritten']) expect(await cacheB.get(id)).toBe('old') // in B's L1

      pause()
      try {
        // The first call timed out (it may still run when Redis resumes) and opened the breaker
        // (the hang rule): the next ones were never sent.
        expect(await cacheA.delete('deleted')).toEqual({ applied: false, outcome: 'unknown' })
        expect(await cacheA.invalidateTags(['t'])).toEqual({ applied: false, outcome: 'not-applied' })
        expect(await cacheA.set('overwritten', 'new')).toEqual({ applied: false, outcome: 'not-applied' })
        expect(cacheA.stats.pendingInvalidations).toBe(3)
        expect(await a.sample(`${M}cache_pending_invalidations`, { namespace: 'entity' })).toBe(3)
        // Its own process already stops serving what it invalidated.
        expect(await cacheA.get('deleted')).toBeUndefined()
        expect(await cacheA.get('tagged')).toBeUndefined()
      } finally {
        resume()
      }
      await until(() => cacheA.stats.pendingInvalidations === 0, 10_000, 'the replay')
      expect(await a.sample(`${M}cache_pending_invalidations`, { namespace: 'entity' })).toBe(0)
      await until(
        async () =>
          (await cacheB.get('deleted')) === undefined &&
          (await cacheB.get('tagged')) === undefined &&
          (await cacheB.get('overwritten')) === undefined,
        5_000,
        'the other process to drop the invalidated values',
      )
      expect(await cacheA.get('overwritten')).toBeUndefined()
    })

    it('on overflow of the pending queue, invalidates the whole namespace once Redis is back', async () => {
      await using f = await cacheFixture(topology.env)
      const cache = f.cache({ l1: true, maxPendingInvalidations: 3, replayInterval: 100 })
      await cache.ready()
      await cache.setMany(Array.from({ length: 6 }, (_, i) => ({ id: String(i), value: i })))
      pause()
      try {
        for (const id of ['0', '1', '2', '3'])
          expect(await cache.delete(id)).toMatchObject({ applied: false })
        expect(cache.stats.pendingInvalidations).toBe(1) // collapsed into one epoch bump
        expect(cache.stats.l1Entries).toBe(0)
      } finally {
        resume()
      }
      await until(() => cache.stats.pendingInvalidations === 0, 10_000, 'the replay')
      expect(await cache.getMany(['0', '3', '4', '5'])).toEqual([undefined, undefined, undefined, undefined])
      await cache.set('4', 'after')
      expect(await cache.get('4')).toBe('after')
    })

    it('queues a clear() made during the outage and applies it after', async () => {
      await using f = await cacheFixture(topology.env)
      const cache = f.cache({ replayInterval: 100 })
      await cache.setMany([
        { id: 'a', value: 1 },
        { id: 'b', value: 2 },
      ])
      pause()
      try {
        expect(await cache.clear()).toMatchObject({ applied: false })
      } finally {
        resume()
      }
      await until(() => cache.stats.pendingInvalidations === 0, 10_000, 'the replay')
      expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    })

    it('drops L1 when the bus subscription comes back after a gap', async () => {
      await using f = await cacheFixture(topology.env)
      const cache = f.cache({ l1: true })
      await cache.ready()
      await cache.set('k', 'v')
      expect(cache.stats.l1Entries).toBe(1)
      for (const node of topology.processes) {
        const admin = new Redis({ host: node.host, port: node.port, lazyConnect: true })
        try {
          await admin.connect()
          await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
        } finally {
          admin.disconnect()
        }
      }
      await until(
        () => cache.stats.l1Entries === 0 && cache.stats.busSubscribed,
        10_000,
        'L1 dropped once resubscribed',
      )
      expect(await cache.get('k')).toBe('v') // from Redis, and back in L1
      expect(cache.stats.l1Entries).toBe(1)
    })
  },
)
