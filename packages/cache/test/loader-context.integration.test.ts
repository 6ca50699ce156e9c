import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, gatedLoader } from './fixtures.js'

// Issue 19 (bentocache's loader `ctx`): the loader sets the TTL and tags of what it returns, or
// says not to cache it (ADR-0020, "The loader's say").
describe.each(topologiesFromEnv())('cache: the loader context on %s', (kind) => {
  const topology = useTopology(kind)

  it('setTtl caches the value for the TTL the loader chose, within the namespace bounds', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache({ grace: 0, jitter: 0 })
    let calls = 0
    const loader = async (ctx: { setTtl(ttl: string | number): void }) => {
      calls += 1
      ctx.setTtl(calls === 1 ? '300ms' : '30m')
      return { version: calls }
    }
    expect(await cache.getOrSet('quote', loader)).toEqual({ version: 1 })
    const key = f.keyspace.family('entity', 'quote').key()
    const short = await f.redis.pttl(key)
    expect(short).toBeGreaterThan(0)
    expect(short).toBeLessThanOrEqual(300)
    expect(await cache.getOrSet('quote', loader)).toEqual({ version: 1 })
    await sleep(400)
    expect(await cache.getOrSet('quote', loader)).toEqual({ version: 2 })
    // 30 minutes is within the namespace's maximum (1 h); the call's own ttl was not used.
    expect(await f.redis.pttl(key)).toBeGreaterThan(29 * 60_000)
    expect(calls).toBe(2)
  })

  it('skip returns the value to every caller of the flight without caching it', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    let calls = 0
    const loader = async (ctx: { skip(): void }) => {
      calls += 1
      await sleep(50)
      ctx.skip() // say, an upstream answer marked as partial
      return { partial: true }
    }
    const together = await Promise.all([cache.getOrSet('feed', loader), cache.getOrSet('feed', loader)])
    expect(together).toEqual([{ partial: true }, { partial: true }])
    expect(calls).toBe(1) // one flight
    expect(await f.redis.pttl(f.keyspace.family('entity', 'feed').key())).toBe(-2)
    expect(await cache.get('feed')).toBeUndefined()
    await cache.getOrSet('feed', loader)
    expect(calls).toBe(2)
  })

  it('a TTL that is not one fails the load with a typed error, and nothing is cached', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const error = await cache
      .getOrSet('bad', async (ctx) => {
        ctx.setTtl('soon')
        return 1
      })
      .catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_INVALID_DURATION')).toBe(true)
    expect(await cache.get('bad')).toBeUndefined()
  })

  it('setTags: the value carries the tags the loader named, and their invalidation reaches it', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    let calls = 0
    const loader = async (ctx: { setTags(tags: readonly string[]): void }) => {
      calls += 1
      const user = { id: 7, orgId: 3, version: calls } // the tags depend on what was loaded
      ctx.setTags([`org:${user.orgId}`])
      return user
    }
    expect(await cache.getOrSet(['user', 7], loader, { tags: ['users'] })).toMatchObject({ version: 1 })
    expect(await cache.getOrSet(['user', 7], loader, { tags: ['users'] })).toMatchObject({ version: 1 })
    await cache.invalidateTags(['org:3'])
    // Past the clock margin (ADR-0020): a load right after the bump would be returned uncached.
    await sleep(700)
    expect(await cache.getOrSet(['user', 7], loader, { tags: ['users'] })).toMatchObject({ version: 2 })
    expect(await cache.getOrSet(['user', 7], loader, { tags: ['users'] })).toMatchObject({ version: 2 })
    await cache.invalidateTags(['users']) // the call's own tags still count
    expect(await cache.getOrSet(['user', 7], loader, { tags: ['users'] })).toMatchObject({ version: 3 })
    expect(calls).toBe(3)
  })

  it('a tag the loader names that is invalidated during the load leaves the value uncached', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const gate = gatedLoader<string>()
    const loading = cache.getOrSet('report', async (ctx) => {
      const value = await gate.load() // the source is read ...
      ctx.setTags(['region:eu']) // ... and names its tags afterwards
      return value
    })
    await gate.started
    await cache.invalidateTags(['region:eu']) // after the read, before the write
    gate.finish('stale report')
    expect(await loading).toBe('stale report') // returned to its caller
    expect(await cache.get('report')).toBeUndefined() // never cached
    let calls = 0
    expect(
      await cache.getOrSet('report', async (ctx) => {
        calls += 1
        ctx.setTags(['region:eu'])
        return 'fresh report'
      }),
    ).toBe('fresh report')
    await sleep(1_100) // a bump further back than the clock margin does not hold a value back
    const later = async (ctx: { setTags(tags: readonly string[]): void }) => {
      ctx.setTags(['region:eu'])
      return 'later report'
    }
    expect(await cache.getOrSet('report', later)).toBe('later report')
    expect(await cache.get('report')).toBe('later report')
    expect(calls).toBe(1)
  })

  it('setTags with a tag that is not one fails the load with a typed error', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const error = await cache
      .getOrSet('bad-tags', async (ctx) => {
        ctx.setTags([''])
        return 'value'
      })
      .catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect(await cache.get('bad-tags')).toBeUndefined()
  })
})
