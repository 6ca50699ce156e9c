import { randomBytes } from 'node:crypto'
import { createCache } from '@redlayer/cache'
import { isRedlayerError, type RedisClient } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createLockManager } from '@redlayer/lock'
import { createRateLimiter } from '@redlayer/ratelimit'
import { createRedisGuard } from '@redlayer/resilience'
import { createSessionStore } from '@redlayer/session'
import { RedlayerExpressStore } from '@redlayer/session/express'
import { expect } from 'vitest'

// What each package sends, driven through its public API on a real Redis: every script and every
// direct command a service would cause in ordinary use (and in the paths a reviewer asks about:
// waits woken by a release, tag versions created, a clear, a cursor, replicas awaited). The ACL
// test runs each as a user confined by that package's rule alone (ADR-0011, issue 17).

/** The keyspace of the drivers: one namespace per package, declared by kind. */
export function driverKeyspace(prefix = `acl${randomBytes(4).toString('hex')}`) {
  return defineKeyspace({
    prefix,
    namespaces: {
      cache: { kind: 'cache', ttl: { default: '1m', max: '1h' } },
      ratelimit: { kind: 'ratelimit' },
      lock: { kind: 'lock' },
      session: { kind: 'session' },
    },
  })
}

export type DriverKeyspace = ReturnType<typeof driverKeyspace>
export type Driver = (redis: RedisClient, keyspace: DriverKeyspace) => Promise<void>

const guardOf = (redis: RedisClient) => createRedisGuard({ redis, commandTimeout: '5s' })

export const PACKAGE_DRIVERS = {
  async cache(redis, keyspace) {
    await using guard = guardOf(redis)
    const shared = { redis, keyspace, guard, namespace: 'cache' as const }
    // The bus (l1) and the distributed single-flight lease: SUBSCRIBE, PUBLISH, the lease scripts.
    await using cache = createCache({
      ...shared,
      l1: { maxEntries: 100 },
      distributedSingleFlight: { leaseTtl: '2s' },
    })
    await cache.ready()
    expect(await cache.getOrSet(['user', 1], async () => ({ id: 1 }), { tags: ['org:1'] })).toEqual({ id: 1 })
    expect(await cache.get(['user', 1])).toEqual({ id: 1 })
    await cache.setMany([
      { id: ['user', 2], value: 2 },
      { id: ['user', 3], value: 3 },
    ])
    expect(
      await cache.getMany([
        ['user', 2],
        ['user', 3],
        ['user', 4],
      ]),
    ).toEqual([2, 3, undefined])
    expect(await cache.getManyOrSet([['user', 5]], async (ids) => ids.map(() => 5))).toEqual([5])
    await cache.invalidateTags(['org:1'])
    await cache.invalidateTags(['org:1'], { soft: true })
    await cache.delete(['user', 4], { soft: true })
    await cache.delete(['user', 2])
    await cache.deleteMany([['user', 3]])
    expect(await cache.get(['user', 2])).toBeUndefined()
    await cache.clear()
  },

  async ratelimit(redis, keyspace) {
    await using guard = guardOf(redis)
    await using limiter = createRateLimiter({
      redis,
      keyspace,
      guard,
      namespace: 'ratelimit',
      name: 'api',
      limits: { name: 'burst', capacity: 2, refill: { tokens: 1, interval: '10s' } },
    })
    expect((await limiter.consume('user:1')).allowed).toBe(true)
    expect((await limiter.consume('user:1', { cost: 2 })).allowed).toBe(false)
    expect((await limiter.peek('user:1')).allowed).toBe(true)
    await limiter.refund('user:1')
    await limiter.deny('user:1', { for: '1m' })
    await limiter.unblock('user:1')
    await limiter.reset('user:1')
  },

  async lock(redis, keyspace) {
    await using guard = guardOf(redis)
    const locks = createLockManager({ redis, keyspace, guard, namespace: 'lock' })
    try {
      const held = await locks.acquire('job', { ttl: '5s' })
      // A waiter woken by the release (SUBSCRIBE to the release channel, PUBLISH from the script).
      const waiting = locks.acquire('job', { ttl: '5s', wait: '5s' })
      await held.extend('5s')
      await held.release()
      await (await waiting).release()
      // Several resources of one slot, all or nothing.
      await locks.withLocks(
        [
          ['group', 'a'],
          ['group', 'b'],
        ],
        async () => {},
        { ttl: '5s' },
      )
      const lock = await locks.acquire(['jobs', 'recount'], { ttl: '5s' })
      expect(typeof lock.fence).toBe('bigint')
      await lock.waitForReplicas(1, 50)
      await lock.release()
      const semaphore = locks.semaphore('pool', { limit: 2 })
      const first = await semaphore.acquire({ ttl: '5s' })
      const second = await semaphore.acquire({ ttl: '5s' })
      const third = semaphore.acquire({ ttl: '5s', wait: '5s' })
      await first.release()
      await (await third).release()
      await second.release()
      // Fair waiting (issue 19): the queue's scripts, a waiter served, one whose wait runs out.
      const fairHeld = await locks.acquire('queue', { ttl: '5s', fair: true })
      const served = locks.acquire('queue', { ttl: '5s', wait: '5s', fair: true })
      const given = await locks.acquire('queue', { wait: 50, fair: true }).catch((error: unknown) => error)
      expect(isRedlayerError(given, 'E_LOCK_TIMEOUT')).toBe(true)
      await fairHeld.release()
      await (await served).release()
      const fairPool = locks.semaphore('fair-pool', { limit: 1, fair: true })
      const only = await fairPool.acquire({ ttl: '5s' })
      const next = fairPool.acquire({ ttl: '5s', wait: '5s' })
      await only.release()
      await (await next).release()
      // Read-write locks (issue 19): readers, a writer that waits for them, its intent withdrawn.
      const rw = locks.readWrite('table')
      const reading = await rw.read({ ttl: '5s' })
      const writing = rw.write({ ttl: '5s', wait: '5s' })
      const refused = await rw.write({ wait: 50 }).catch((error: unknown) => error)
      expect(isRedlayerError(refused, 'E_LOCK_TIMEOUT')).toBe(true)
      await reading.extend('5s')
      await reading.release()
      const written = await writing
      await written.extend('5s')
      await written.release()
    } finally {
      await locks.close()
    }
  },

  async session(redis, keyspace) {
    await using guard = guardOf(redis)
    const store = createSessionStore({ redis, keyspace, guard, namespace: 'session', maxEvents: 2 })
    const owner = { appName: 'acl', userId: '7' }
    const created = await store.create({ ...owner, state: { lang: 'en' } })
    for (const id of ['e1', 'e2', 'e3', 'e1'])
      await store.appendEvent(created.id, { id, type: 'user', data: id })
    await store.updateState(created.id, { set: { lang: 'fr' }, remove: [] })
    expect(await store.get(created.id, { events: 'all' })).toMatchObject({ version: 4 })
    await store.touch(created.id)
    expect((await store.listSessions({ ...owner, limit: 10 })).sessions).toHaveLength(1)
    expect(await store.delete(created.id)).toBe(true)
    await store.create({ ...owner, state: {} })
    expect(await store.revokeAll(owner)).toBe(1)

    const express = new RedlayerExpressStore({
      redis,
      keyspace,
      guard,
      namespace: 'session',
      userOf: (data) => (data as { userId?: number }).userId,
    })
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }
    await express.set('sid-1', { cookie, userId: 7 } as never)
    expect(await express.get('sid-1')).toMatchObject({ userId: 7 })
    await express.touch('sid-1', { cookie } as never)
    expect(await express.ids()).toEqual(['sid-1'])
    expect(await express.sessionsOf(7)).toEqual(['sid-1'])
    expect(await express.revokeAll(7)).toBe(1)
    await express.destroy('sid-2')
  },
} satisfies Record<string, Driver>

export type DriverPackage = keyof typeof PACKAGE_DRIVERS
