import { mastersOf } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader } from './fixtures.js'

// ADR-0020: a tag's version key can be lost while values that recorded it survive (an eviction
// under an allkeys-* policy, an operator's UNLINK). A lost version never makes an invalidated value
// current again: a missing tag key reads as "cannot prove it was not invalidated", and the key
// comes back from Redis TIME, above every version it held.
describe.each(topologiesFromEnv())('cache bookkeeping keys lost on %s', (kind) => {
  const topology = useTopology(kind)

  it('an invalidated value stays invalidated after its tag version key is deleted', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    const tagKey = f.keyspace.key('entity', 'tag', 'author:7')
    await cache.set('post:1', 'v1', { tags: ['author:7'] })
    expect(await cache.get('post:1')).toBe('v1')
    expect(await cache.invalidateTags(['author:7'])).toBe(true)
    expect(await cache.get('post:1')).toBeUndefined()

    // What allkeys-lru eviction or an operator does: the version key goes, the value stays.
    const owner = mastersOf(f.redis)
    const removed = await Promise.all(owner.map((node) => node.unlink(tagKey).catch(() => 0)))
    expect(removed.reduce((sum, one) => sum + one, 0)).toBe(1)
    expect(await cache.get('post:1')).toBeUndefined()

    // The next load makes the key again and its value is cached (one loader call for two reads).
    const loader = countingLoader('v2')
    expect(await cache.getOrSet('post:1', loader, { tags: ['author:7'] })).toBe('v2')
    expect(await cache.getOrSet('post:1', loader, { tags: ['author:7'] })).toBe('v2')
    expect(loader.calls).toBe(1)
    // And an invalidation after that still wins.
    expect(await cache.invalidateTags(['author:7'])).toBe(true)
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
})
