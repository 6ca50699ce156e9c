import { isRedlayerError } from '@redlayer/connection'
import { migrateSlotUnderUse, serverErrorCounts, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { lockFixture, openClient } from './fixtures.js'

// ADR-0015, ADR-0030: on a Cluster the resources of one group share a slot, so a multi-resource
// lock is one script on one node; and a slot moved by hand under the locks (ASK, then MOVED)
// keeps fences strictly increasing and never grants a held lock.
describe.runIf(topologiesFromEnv().includes('cluster'))('locks on a Cluster', () => {
  const topology = useTopology('cluster')

  it('locks several resources of a group, many groups, and semaphores without one CROSSSLOT', async () => {
    const redis = await openClient(topology.env)
    try {
      await using f = lockFixture(redis)
      const before = (await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0
      for (let group = 0; group < 20; group++) {
        const resources = ['a', 'b', 'c'].map((name) => [`order-${group}`, name] as const)
        const lock = await f.locks.acquireMany(resources, { ttl: 5_000 })
        expect(lock.fences).toHaveLength(3)
        expect(await f.locks.tryAcquire(resources[1] ?? ['', ''], { ttl: 5_000 })).toBeNull()
        expect((await lock.extend()).extended).toBe(true)
        expect(await lock.release()).toEqual({ released: true })
        const semaphore = f.locks.semaphore(`pool-${group}`, { limit: 2, ttl: 5_000 })
        const permits = [
          await semaphore.tryAcquire(),
          await semaphore.tryAcquire(),
          await semaphore.tryAcquire(),
        ]
        expect(permits.map((permit) => permit !== null)).toEqual([true, true, false])
        for (const permit of permits) await permit?.release()
      }
      expect((await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0).toBe(before)
    } finally {
      redis.disconnect()
    }
  })

  it('keeps fences increasing through a slot migration: ASK while its keys move, MOVED after', async () => {
    const redis = await openClient(topology.env)
    try {
      await using f = lockFixture(redis)
      const resource = ['moving', 'invoice'] as const
      const first = await f.locks.acquire(resource, { ttl: 5_000 })
      const fences = [first.fence]
      await first.release()
      const held = await f.locks.acquire(['moving', 'held'], { ttl: 30_000 })
      const refused: string[] = []
      const redirects = await migrateSlotUnderUse(
        topology.cluster,
        f.keyspace.family('lock', 'moving').key('x'),
        async (phase) => {
          // The held lock moved with its slot (both its keys exist on the new owner): still
          // nobody else's to take.
          expect(await f.locks.tryAcquire(['moving', 'held'], { ttl: 5_000 })).toBeNull()
          try {
            const lock = await f.locks.acquire(resource, { ttl: 5_000, wait: 2_000 })
            fences.push(lock.fence)
            expect(await lock.release()).toEqual({ released: true })
          } catch (error) {
            // Half-way, the released lock's key is absent while its fence counter has moved:
            // Redis answers the script TRYAGAIN until the slot is assigned; the lock fails closed.
            if (phase !== 'migrating' || !isRedlayerError(error, 'E_REDIS_UNAVAILABLE')) throw error
            refused.push(phase)
          }
        },
      )
      expect(fences).toHaveLength(3 - refused.length)
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] ?? 0n)
      expect(await held.release()).toEqual({ released: true })
      expect(redirects.ask).toBeGreaterThan(0)
      expect(redirects.moved).toBeGreaterThan(0)
      expect(redirects.errors.CROSSSLOT).toBeUndefined()
    } finally {
      redis.disconnect()
    }
  })
})
