import { mastersOf } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader } from './fixtures.js'

// ADR-0020: a tag version, the namespace epoch or an id's delete version can be lost while values
// that recorded it survive (an eviction under an allkeys-* policy, an operator's UNLINK). A lost
// version never makes an invalidated value current again: a missing tag or epoch key reads as
// "cannot prove it was not invalidated" and comes back from Redis TIME, above every version it
// held; a delete version seen before a load and missing at its write drops the write.
describe.each(topologiesFromEnv())('cache bookkeeping keys lost on %s', (kind) => {
  const topology = useTopology(kind)

  /** What allkeys-lru eviction or an operator does to one key: it goes, the values stay. */
  async function lose(redis: Parameters<typeof mastersOf>[0], key: string): Promise<void> {
    const removed = await Promise.all(mastersOf(redis).map((node) => node.unlink(key).catch(() => 0)))
    expect(removed.reduce((sum, one) => sum + one, 0)).toBe(1)
  }

  it('an invalidated value stays invalidated after its tag version key is deleted', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    const tagKey = f.keyspace.key('entity', 'tag', 'author:7')
    await cache.set('post:1', 'v1', { tags: ['author:7'] })
    expect(await cache.get('post:1')).toBe('v1')
    expect(await cache.invalidateTags(['author:7'])).toEqual({ applied: true })
    expect(await cache.get('post:1')).toBeUndefined()

    await lose(f.redis, tagKey)
    expect(await cache.get('post:1')).toBeUndefined()

    // The next load makes the key again and its value is cached (one loader call for two reads).
    const loader = countingLoader('v2')
    expect(await cache.getOrSet('post:1', loader, { tags: ['author:7'] })).toBe('v2')
    expect(await cache.getOrSet('post:1', loader, { tags: ['author:7'] })).toBe('v2')
    expect(loader.calls).toBe(1)
    // And an invalidation after that still wins.
    expect(await cache.invalidateTags(['author:7'])).toEqual({ applied: true })
    expect(await cache.get('post:1')).toBeUndefined()
  })

  it('a value written with a tag never seen before is cached at once', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    await cache.set('a', 'set', { tags: ['fresh-1'] })
    expect(await cache.get('a')).toBe('set')
    const loader = countingLoader('loaded')
    expect(await cache.getOrSet('b', loader, { tags: ['fresh-2', 'fresh-3'] })).toBe('loaded')
    expect(await cache.getOrSet('b', loader, { tags: ['fresh-2', 'fresh-3'] })).toBe('loaded')
    expect(loader.calls).toBe(1)
  })

  it('a value written by a load that raced a clear() stays cleared after the epoch key is lost', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    await cache.set('warm', 'before')
    // The load read the epoch before clear() moved it; its value lands after the flush.
    const racing = await cache.getOrSet('post:2', async () => {
      expect(await cache.clear()).toMatchObject({ applied: true })
      return 'loaded before the clear'
    })
    expect(racing).toBe('loaded before the clear')
    expect(await cache.get('post:2')).toBeUndefined()

    await lose(f.redis, f.keyspace.key('entity', 'epoch'))
    expect(await cache.get('post:2')).toBeUndefined()
    // The next load makes the epoch again, from Redis TIME, and its value is cached.
    const loader = countingLoader('after')
    expect(await cache.getOrSet('post:2', loader)).toBe('after')
    expect(await cache.getOrSet('post:2', loader)).toBe('after')
    expect(loader.calls).toBe(1)
    expect(await cache.clear()).toMatchObject({ applied: true })
    expect(await cache.get('post:2')).toBeUndefined()
  })

  it("a load that raced a delete() writes nothing once the id's delete version is lost", async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    await cache.set('post:3', 'v1')
    expect(await cache.delete('post:3')).toEqual({ applied: true })
    const deletedKey = f.keyspace.family('entity', 'post:3').key('deleted')
    const racing = await cache.getOrSet('post:3', async () => {
      expect(await cache.delete('post:3')).toEqual({ applied: true })
      await lose(f.redis, deletedKey)
      return 'loaded before the delete'
    })
    expect(racing).toBe('loaded before the delete')
    expect(await cache.get('post:3')).toBeUndefined()
    // An explicit set() is written whatever was deleted before it.
    await cache.set('post:3', 'v2')
    expect(await cache.get('post:3')).toBe('v2')
  })
})
