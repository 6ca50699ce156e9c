import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader, gatedLoader } from './fixtures.js'

// Issue 19 (bentocache#63, PR #80): a soft delete or tag invalidation leaves the value stale but
// graced, so the next read loads and a failing loader still gets the old value (ADR-0020, "Soft
// invalidation"). A hard one leaves nothing to fall back on.
const OPTIONS = { ttl: '10m', grace: '30m', jitter: 0 }

const failing = () => Promise.reject(new Error('source down'))

describe.each(topologiesFromEnv())('cache: soft invalidation on %s', (kind) => {
  const topology = useTopology(kind)

  it('a soft delete makes the next read load, and a failing loader gets the old value', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    await cache.set('user', 'v1')
    expect(await cache.delete('user', { soft: true })).toEqual({ applied: true })
    expect(await cache.get('user')).toBeUndefined() // not fresh: a plain read misses
    expect(await cache.getOrSet('user', failing)).toBe('v1')
    const loader = countingLoader('v2')
    expect(await cache.getOrSet('user', loader)).toBe('v2')
    expect(await cache.getOrSet('user', loader)).toBe('v2') // fresh again
    expect(loader.calls).toBe(1)
    // A hard delete leaves no fallback.
    await cache.delete('user')
    await expect(cache.getOrSet('user', failing)).rejects.toThrow('source down')
  })

  it('a soft tag invalidation graces the tagged values only; a hard one after it wins', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    for (const id of ['a', 'b']) await cache.set(id, `${id}1`, { tags: ['org:1'] })
    await cache.set('c', 'c1', { tags: ['org:2'] })
    expect(await cache.invalidateTags(['org:1'], { soft: true })).toEqual({ applied: true })
    const untouched = countingLoader('c2')
    expect(await cache.getOrSet('c', untouched, { tags: ['org:2'] })).toBe('c1')
    expect(untouched.calls).toBe(0)
    expect(await cache.getOrSet('a', failing, { tags: ['org:1'] })).toBe('a1')
    expect(await cache.getOrSet('b', failing)).toBe('b1') // a reader naming no tag sees it too
    const loader = countingLoader('a2')
    expect(await cache.getOrSet('a', loader, { tags: ['org:1'] })).toBe('a2')
    expect(await cache.getOrSet('a', loader, { tags: ['org:1'] })).toBe('a2')
    expect(loader.calls).toBe(1)
    // A second soft bump keeps the floor; a hard bump after it leaves no fallback.
    await cache.invalidateTags(['org:1'], { soft: true })
    expect(await cache.getOrSet('b', failing)).toBe('b1')
    await cache.invalidateTags(['org:1'])
    await expect(cache.getOrSet('a', failing, { tags: ['org:1'] })).rejects.toThrow('source down')
    await expect(cache.getOrSet('b', failing)).rejects.toThrow('source down')
  })

  it('a soft invalidation after a hard one graces only the values written since the hard one', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    await cache.set('old', 'o1', { tags: ['feed'] })
    await cache.invalidateTags(['feed'])
    await cache.set('new', 'n1', { tags: ['feed'] })
    await cache.invalidateTags(['feed'], { soft: true })
    await expect(cache.getOrSet('old', failing)).rejects.toThrow('source down')
    expect(await cache.getOrSet('new', failing)).toBe('n1')
  })

  it('a load that read before a soft delete does not write after it; the old value stays graced', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    await cache.set('price', 'v1')
    await cache.delete('price', { soft: true })
    const gate = gatedLoader<string>()
    const loading = cache.getOrSet('price', gate.load)
    await gate.started
    await cache.delete('price', { soft: true }) // the source changed again while it loaded
    gate.finish('v2')
    expect(await loading).toBe('v2') // its caller gets what it loaded
    expect(await cache.get('price')).toBeUndefined() // but it was not written
    expect(await cache.getOrSet('price', failing)).toBe('v1')
  })

  it("another process's L1 copy goes, and its failing loader gets the graced value from Redis", async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    await using other = await f.peer()
    const here = f.cache({ ...OPTIONS, l1: true })
    const there = other.cache({ ...OPTIONS, l1: true })
    await Promise.all([here.ready(), there.ready()])
    await here.set('profile', 'v1', { tags: ['user:7'] })
    expect(await there.getOrSet('profile', failing)).toBe('v1') // now in its L1
    await here.invalidateTags(['user:7'], { soft: true })
    await expect.poll(() => there.get('profile'), { timeout: 5_000, interval: 20 }).toBeUndefined()
    expect(await there.getOrSet('profile', failing)).toBe('v1')
    await here.delete('profile', { soft: true })
    expect(await there.getOrSet('profile', failing)).toBe('v1')
  })

  it('refuses options it does not know, before any Redis call', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    await cache.set('k', 'v1')
    for (const call of [
      () => cache.delete('k', { soft: 'yes' } as never),
      () => cache.invalidateTags([], { hard: true } as never),
    ]) {
      const error = await call().catch((caught: unknown) => caught)
      expect(isRedlayerError(error) && error.code).toBe('E_INVALID_OPTIONS')
    }
    expect(await cache.get('k')).toBe('v1')
  })
})
