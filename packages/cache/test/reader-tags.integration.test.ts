import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader } from './fixtures.js'

// Issue 19 (bentocache#83): the tags a value was stored with and the tags its reader names both
// count (ADR-0020, "the reader's tags count too").
describe.each(topologiesFromEnv())('cache: the reader tags count on %s', (kind) => {
  const topology = useTopology(kind)

  it('a value stored with [a] is not served to a reader of [a, b] after invalidateTags([b])', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    await cache.getOrSet('post-1', async () => 'stored with a', { tags: ['a'] })
    await cache.invalidateTags(['b'])
    const reload = countingLoader('loaded after b was invalidated')
    expect(await cache.getOrSet('post-1', reload, { tags: ['a', 'b'] })).toBe(
      'loaded after b was invalidated',
    )
    expect(reload.calls).toBe(1)
    // The reload recorded both tags: it is now a hit for either reader, and b reaches it.
    expect(await cache.getOrSet('post-1', reload, { tags: ['a', 'b'] })).toBe(
      'loaded after b was invalidated',
    )
    expect(await cache.getOrSet('post-1', reload, { tags: ['a'] })).toBe('loaded after b was invalidated')
    expect(reload.calls).toBe(1)
    await cache.invalidateTags(['b'])
    expect(await cache.get('post-1')).toBeUndefined()
  })

  it('readers naming different tags converge on one value that every one of their tags invalidates', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    let loads = 0
    const loader = countingLoader(() => `load ${++loads}`)
    expect(await cache.getOrSet('feed', loader, { tags: ['a', 'c'] })).toBe('load 1')
    expect(await cache.getOrSet('feed', loader, { tags: ['a', 'b'] })).toBe('load 2')
    // The second load recorded a, b and c: neither reader loads again...
    expect(await cache.getOrSet('feed', loader, { tags: ['a', 'c'] })).toBe('load 2')
    expect(await cache.getOrSet('feed', loader, { tags: ['b'] })).toBe('load 2')
    expect(loader.calls).toBe(2)
    // ...and the first reader's tag c still reaches the value the second reader loaded.
    await cache.invalidateTags(['c'])
    expect(await cache.getOrSet('feed', loader, { tags: ['a'] })).toBe('load 3')
    // A batch records one set of tags: the caller's and every passed-over value's (x reaches both).
    const many = async (ids: readonly unknown[]) => ids.map((id) => `batch ${String(id)}`)
    await cache.set('one', 'stored with x', { tags: ['x'] })
    expect(await cache.getManyOrSet(['one', 'two'], many, { tags: ['y'] })).toEqual([
      'batch one',
      'batch two',
    ])
    expect(await cache.getManyOrSet(['one', 'two'], many, { tags: ['x', 'y'] })).toEqual([
      'batch one',
      'batch two',
    ])
    await cache.invalidateTags(['x'])
    expect(await cache.getMany(['one', 'two'])).toEqual([undefined, undefined])
  })

  it('a value that lacks a reader tag is not a graced fallback for that reader', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ grace: '1m' })
    await cache.set('profile', 'stored with a', { tags: ['a'] })
    const failing = async () => {
      throw new Error('database down')
    }
    // It may have been invalidated through b: a failing loader's error, not the value.
    await expect(cache.getOrSet('profile', failing, { tags: ['a', 'b'] })).rejects.toThrow('database down')
    expect(await cache.getOrSet('profile', failing, { tags: ['a'] })).toBe('stored with a')
  })

  it('an in-process copy stored with [a] is not served from L1 to a reader of [a, b]', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ l1: true })
    await cache.ready()
    await cache.getOrSet('l1-post', async () => 'stored with a', { tags: ['a'] })
    expect(await cache.getOrSet('l1-post', async () => 'unused', { tags: ['a'] })).toBe('stored with a')
    expect(await f.sample('redlayer_cache_hits_total', { namespace: 'entity', tier: 'l1' })).toBe(1)
    await cache.invalidateTags(['b'])
    expect(await cache.getOrSet('l1-post', async () => 'reloaded', { tags: ['a', 'b'] })).toBe('reloaded')
    expect(await f.sample('redlayer_cache_hits_total', { namespace: 'entity', tier: 'l1' })).toBe(1)
  })
})
