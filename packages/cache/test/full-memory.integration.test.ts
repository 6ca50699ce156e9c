import { fillMemory, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture, countingLoader, testKeyspace } from './fixtures.js'

const M = 'redlayer_'
// The breaker must stay closed on its own merits: a slow reply on a loaded machine must not look
// like a hang (the hang rule), so the command timeout has room.
const ROOMY_MS = 2_000

// ADR-0013: a Redis at its maxmemory under `noeviction` refuses every write with OOM while reads,
// deletes and expiries still work. The cache then degrades per call (loader values returned,
// writes skipped and counted) without opening the breaker, and its invalidations still land.
describe.each(topologiesFromEnv())('cache with a full Redis (OOM under noeviction) on %s', (kind) => {
  const topology = useTopology(kind)

  it('returns loader values, keeps serving what is stored, skips writes, leaves the breaker closed', async () => {
    await using f = await cacheFixture(topology.env, {
      commandTimeoutMs: ROOMY_MS,
      keyspace: testKeyspace({ whenRedisDown: 'bypass' }),
    })
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    await cache.set('stored-before', 'from Redis')
    await using _full = await fillMemory(topology.processes)

    const loader = countingLoader('from the database')
    for (let i = 0; i < 20; i++) {
      expect(await cache.getOrSet(`cold-${i}`, loader)).toBe('from the database')
    }
    expect(loader.calls).toBe(20)
    expect(await cache.getOrSet('stored-before', loader)).toBe('from Redis')
    expect(loader.calls).toBe(20)
    expect(await cache.set('written-during', 1)).toEqual({ applied: false, outcome: 'not-applied' })

    expect(f.guard.state).toBe('closed')
    expect(f.guard.refusal).toMatchObject({ kind: 'oom' })
    expect(await f.sample(`${M}cache_writes_skipped_total`, { namespace: 'entity' })).toBeGreaterThanOrEqual(
      20,
    )
    expect(await f.sample(`${M}redis_errors_total`, { kind: 'oom' })).toBeGreaterThanOrEqual(20)
    expect(await f.sample(`${M}breaker_transitions_total`)).toBe(0)
  })

  it('a fail-closed namespace still reads and loads: OOM refuses writes, not the namespace', async () => {
    await using f = await cacheFixture(topology.env, {
      commandTimeoutMs: ROOMY_MS,
      keyspace: testKeyspace({ whenRedisDown: 'fail-closed' }),
    })
    const cache = f.cache({ ttl: '1m' })
    await cache.ready()
    await cache.set('stored-before', 'from Redis')
    await using _full = await fillMemory(topology.processes)
    // Reads are not refused: the stored value comes back; a miss loads and returns the value.
    expect(await cache.getOrSet('stored-before', countingLoader('unused'))).toBe('from Redis')
    expect(await cache.getOrSet('cold', countingLoader('loaded'))).toBe('loaded')
    expect(f.guard.state).toBe('closed')
    await expect(cache.set('refused', 1)).resolves.toEqual({ applied: false, outcome: 'not-applied' })
    expect(await cache.get('refused')).toBeUndefined()
  })

  it('deletes and tag invalidations land while memory is full: no invalidated value comes back', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: ROOMY_MS })
    await using peer = await f.peer()
    const cache = f.cache({ ttl: '1m' })
    const other = peer.cache({ ttl: '1m' })
    await Promise.all([cache.ready(), other.ready()])
    await cache.set('deleted', 'old', { tags: ['author:1'] })
    await cache.set('tagged', 'old', { tags: ['author:2'] })
    expect(await other.get('deleted')).toBe('old')
    await using _full = await fillMemory(topology.processes)

    // allow-oom scripts: an invalidation writes one short version and must not wait for memory.
    expect(await cache.delete('deleted')).toEqual({ applied: true })
    expect(await cache.invalidateTags(['author:2'])).toEqual({ applied: true })
    expect(await other.get('deleted')).toBeUndefined()
    expect(await other.get('tagged')).toBeUndefined()
    expect(await other.getOrSet('tagged', countingLoader('fresh'))).toBe('fresh')
  })

  it('soft invalidations land while memory is full, and the values they keep still serve a failing loader', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: ROOMY_MS })
    const cache = f.cache({ ttl: '1m', grace: '10m' })
    await cache.set('soft-deleted', 'old', { tags: ['author:3'] })
    await cache.set('soft-tagged', 'old', { tags: ['author:4'] })
    await using _full = await fillMemory(topology.processes)

    // Issue 19 (ADR-0020, "Soft invalidation"): the same allow-oom scripts, the value kept in place.
    expect(await cache.delete('soft-deleted', { soft: true })).toEqual({ applied: true })
    expect(await cache.invalidateTags(['author:4'], { soft: true })).toEqual({ applied: true })
    expect(await cache.get('soft-deleted')).toBeUndefined()
    expect(await cache.get('soft-tagged')).toBeUndefined()
    const failing = () => Promise.reject(new Error('source down'))
    expect(await cache.getOrSet('soft-deleted', failing)).toBe('old')
    expect(await cache.getOrSet('soft-tagged', failing, { tags: ['author:4'] })).toBe('old')
  })
})
