import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, mastersOf } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { DEFAULT_COMPRESSION_THRESHOLD, FORMAT_VERSION } from '../src/entry-codec.js'
import { MAX_BATCH_READS } from '../src/redis-store.js'
import { cacheFixture, countingLoader, gatedLoader, testKeyspace } from './fixtures.js'

const M = 'redlayer_'

describe.each(topologiesFromEnv())('cache on %s', (kind) => {
  const topology = useTopology(kind)

  it('100 concurrent getOrSet of one missing key make one loader call', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const loader = countingLoader({ id: 1 }, 50)
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('user-1', loader)))
    expect(loader.calls).toBe(1)
    expect(values.every((value) => value.id === 1)).toBe(true)
    expect(await cache.getOrSet('user-1', loader)).toEqual({ id: 1 })
    expect(loader.calls).toBe(1)
    expect(await f.sample(`${M}cache_loader_calls_total`, { namespace: 'entity' })).toBe(1)
    expect(
      await f.sample(`${M}cache_hits_total`, { namespace: 'entity', tier: 'redis' }),
    ).toBeGreaterThanOrEqual(1)
  })

  it('the reads of one tick share guarded MGETs (at most 32 reads each off Cluster), and each caller gets its own values', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    for (let n = 0; n < 30; n++) await cache.set(['item', n], { n }, n % 10 === 0 ? { tags: ['tens'] } : {})
    await cache.invalidateTags(['tens'])
    // Guarded `cache.get` calls, from the operation histogram's count.
    const reads = async () => {
      const histogram = f.metrics.registry.getSingleMetric(`${M}redis_operation_duration_seconds`)
      const { values } = await (histogram?.get() ?? Promise.reject(new Error('no histogram')))
      const count = values.find(
        (v) =>
          (v as { metricName?: string }).metricName === `${M}redis_operation_duration_seconds_count` &&
          v.labels.operation === 'cache.get' &&
          v.labels.outcome === 'ok',
      )
      return count?.value ?? 0
    }
    const before = await reads()
    const loader = countingLoader(() => ({ n: -1 }))
    const got = await Promise.all([
      ...Array.from({ length: 40 }, (_, n) => cache.get<{ n: number }>(['item', n])),
      cache.getMany<{ n: number }>([
        ['item', 1],
        ['item', 99],
        ['item', 2],
      ]),
    ])
    // Two guarded calls for the 41 reads, at most MAX_BATCH_READS (32) each, so that several are in
    // flight (issue 18, ADR-0020); on Cluster one, which is already an MGET per slot. The tag
    // versions of tagged values are a `cache.versions` call.
    expect(MAX_BATCH_READS).toBe(32)
    expect((await reads()) - before).toBe(kind === 'cluster' ? 1 : 2)
    expect(got.slice(0, 40)).toEqual(
      Array.from({ length: 40 }, (_, n) => (n < 30 && n % 10 !== 0 ? { n } : undefined)),
    )
    expect(got[40]).toEqual([{ n: 1 }, undefined, { n: 2 }])
    const filled = await Promise.all(Array.from({ length: 5 }, (_, n) => cache.getOrSet(['item', n], loader)))
    expect(filled).toEqual([{ n: -1 }, { n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }])
    expect(loader.calls).toBe(1)
  })

  it('round-trips Date, null and nested values; null is a cached value, undefined is not cached', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const at = new Date('2026-11-22T03:04:05.678Z')
    await cache.set(['order', 7], { at, items: [{ at, n: null }], $date: 'user data' })
    const order = await cache.get<{ at: Date; items: [{ at: Date; n: null }]; $date: string }>(['order', 7])
    expect(order?.at).toBeInstanceOf(Date)
    expect(order?.at.getTime()).toBe(at.getTime())
    expect(order?.items[0].at.getTime()).toBe(at.getTime())
    expect(order?.items[0].n).toBeNull()
    expect(order?.$date).toBe('user data')

    const missing = countingLoader(null)
    expect(await cache.getOrSet('nobody', missing)).toBeNull()
    expect(await cache.getOrSet('nobody', missing)).toBeNull()
    expect(missing.calls).toBe(1)
    expect(await cache.get('nobody')).toBeNull()

    const nothing = countingLoader(undefined)
    expect(await cache.getOrSet('void', nothing)).toBeUndefined()
    expect(await cache.getOrSet('void', nothing)).toBeUndefined()
    expect(nothing.calls).toBe(2)
    await expect(cache.set('void', undefined)).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_INVALID_VALUE'),
    )
    await expect(cache.set('big', 10n)).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_INVALID_VALUE'),
    )
  })

  it('compresses large values in Redis and reads them back transparently', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const page = {
      orders: Array.from({ length: 300 }, (_, i) => ({ id: i, status: 'shipped', total: i * 1.5 })),
    }
    await cache.set('page', page)
    await cache.set('tiny', { id: 1 })
    const key = f.keyspace.family('entity', 'page').key()
    const stored = (await f.redis.getBuffer(key)) as Buffer
    expect(stored[0]).toBe(FORMAT_VERSION)
    expect(stored[1]).toBe(1)
    expect(stored.length).toBeLessThan(JSON.stringify(page).length / 3)
    const tiny = (await f.redis.getBuffer(f.keyspace.family('entity', 'tiny').key())) as Buffer
    expect(tiny[1]).toBe(0)
    expect(await cache.get('page')).toEqual(page)
    expect(JSON.stringify(page).length).toBeGreaterThan(DEFAULT_COMPRESSION_THRESHOLD)
  })

  it('keeps hostile ids inside the namespace and apart from each other', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const ids = ['*', 'a:b', '{tag}', '', ' ', '../..', 'x\r\nFLUSHALL', 'épée', '\u0000', 'a'.repeat(5_000)]
    for (const [index, id] of ids.entries()) await cache.set(id, index)
    await cache.set(['a', 'b'], 'parts')
    for (const [index, id] of ids.entries()) expect(await cache.get(id)).toBe(index)
    expect(await cache.get(['a', 'b'])).toBe('parts')
    for (const master of mastersOf(f.redis)) {
      const [, keys] = await master.scan('0', 'MATCH', f.keyspace.scanPattern, 'COUNT', 1_000)
      for (const key of keys) expect(f.keyspace.classify(key)).toBe('entity')
    }
    for (const bad of [[], [{}], 42, null] as unknown[]) {
      await expect(cache.get(bad as string)).rejects.toSatisfy((error) =>
        isRedlayerError(error, 'E_INVALID_ID'),
      )
    }
  })

  it('getMany reads across slots in one call; getManyOrSet loads every miss in one loader call', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    await cache.setMany(Array.from({ length: 20 }, (_, i) => ({ id: ['user', i], value: { id: i } })))
    const ids = Array.from({ length: 40 }, (_, i) => ['user', i] as const)
    const got = await cache.getMany<{ id: number }>(ids)
    expect(got.slice(0, 20).map((value) => value?.id)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(got.slice(20).every((value) => value === undefined)).toBe(true)

    const batches: unknown[][] = []
    const loaded = await cache.getManyOrSet<{ id: number } | null>(ids, async (missing) => {
      batches.push(missing)
      return missing.map((id) => (id[1] === 39 ? null : { id: Number(id[1]) }))
    })
    expect(batches).toHaveLength(1)
    expect(batches[0]).toHaveLength(20)
    expect(loaded.map((value) => value?.id ?? null)).toEqual([
      ...Array.from({ length: 39 }, (_, i) => i),
      null,
    ])
    const again = await cache.getManyOrSet(ids, async () => {
      throw new Error('must not load')
    })
    expect(again).toEqual(loaded)
    await expect(cache.getManyOrSet([['user', 99]], async () => [1, 2])).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_INVALID_VALUE'),
    )
  })

  it('applies the keyspace TTL policy with jitter, and a separate TTL to null', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: '2h', jitter: 0.2, nullTtl: '30s' })
    await cache.set('clamped', 1)
    await cache.getOrSet('negative', async () => null)
    const pttl = await f.redis.pttl(f.keyspace.family('entity', 'clamped').key())
    expect(pttl).toBeLessThanOrEqual(3_600_000) // the namespace max
    expect(pttl).toBeGreaterThan(3_600_000 * 0.8 - 5_000)
    const nullTtl = await f.redis.pttl(f.keyspace.family('entity', 'negative').key())
    expect(nullTtl).toBeLessThanOrEqual(30_000)
    expect(nullTtl).toBeGreaterThan(30_000 * 0.8 - 5_000)
  })

  it("keeps a key's life in Redis, grace included, within the namespace maximum", async () => {
    await using f = await cacheFixture(topology.env)
    // A default TTL plus grace above the namespace's 1h maximum is refused at construction.
    expect(() => f.cache({ ttl: '50m', grace: '20m' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    )
    const cache = f.cache({ ttl: '30m', grace: '20m', jitter: 0 })
    await cache.set('default', 1)
    // A per-call TTL that does not fit is clamped: the grace is kept, the fresh part shortened.
    await cache.set('long', 2, { ttl: '55m' })
    const lifeOf = (id: string) => f.redis.pttl(f.keyspace.family('entity', id).key())
    expect(await lifeOf('default')).toBeLessThanOrEqual(50 * 60_000)
    expect(await lifeOf('default')).toBeGreaterThan(50 * 60_000 - 60_000)
    expect(await lifeOf('long')).toBeLessThanOrEqual(3_600_000)
    expect(await lifeOf('long')).toBeGreaterThan(3_600_000 - 60_000)
    expect(await cache.get('long')).toBe(2)
    // Tag version keys too: created, extended by a write and bumped, never past the maximum.
    await cache.getOrSet('tagged', async () => 3, { tags: ['t1'] })
    await cache.invalidateTags(['t1', 't2'])
    for (const tag of ['t1', 't2']) {
      const life = await f.redis.pttl(f.keyspace.key('entity', 'tag', tag))
      expect(life, tag).toBeGreaterThan(0)
      expect(life, tag).toBeLessThanOrEqual(3_600_000)
    }
  })

  it('serves the graced value when the loader fails or is slow, and times out a slow loader', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ ttl: 300, grace: '1m', jitter: 0 })
    await cache.set('g', 'old')
    await sleep(350)
    expect(await cache.get('g')).toBeUndefined()
    const failing = async () => {
      throw new Error('database down')
    }
    expect(await cache.getOrSet('g', failing)).toBe('old')
    expect(await f.sample(`${M}cache_stale_served_total`, { reason: 'loader-error' })).toBe(1)

    let finishSlow: (value: string) => void = () => {}
    const slow = () =>
      new Promise<string>((resolve) => {
        finishSlow = resolve
      })
    expect(await cache.getOrSet('g', slow, { softTimeout: 20 })).toBe('old')
    const meanwhile = countingLoader('not needed')
    expect(await cache.getOrSet('g', meanwhile, { softTimeout: 20 })).toBe('old')
    expect(meanwhile.calls).toBe(0) // the background refresh is still running: no second load
    finishSlow('new')
    await expect.poll(() => cache.get('g')).toBe('new')

    const never = () => new Promise<string>(() => {})
    const error = await cache
      .getOrSet('fresh-miss', never, { hardTimeout: 30 })
      .catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_LOADER_TIMEOUT')).toBe(true)
    await expect(cache.getOrSet('fresh-miss', failing)).rejects.toThrow('database down')
  })

  it('after invalidateTags resolves, no client reads a value stored before, even from a racing loader', async () => {
    await using a = await cacheFixture(topology.env)
    const b = await a.peer()
    const cacheA = a.cache()
    const cacheB = b.cache()
    await cacheA.set(['post', 1], 'v1', { tags: ['author:9', 'feed'] })
    await cacheA.set(['post', 2], 'other', { tags: ['author:8'] })
    expect(await cacheB.get(['post', 1])).toBe('v1')
    await cacheB.invalidateTags(['author:9'])
    expect(await cacheA.get(['post', 1])).toBeUndefined()
    expect(await cacheB.get(['post', 1])).toBeUndefined()
    expect(await cacheA.get(['post', 2])).toBe('other')

    // A load that started before the invalidation and writes after it is not readable.
    const gate = gatedLoader<string>()
    const racing = cacheA.getOrSet(['post', 3], gate.load, { tags: ['feed'] })
    await gate.started // its read has missed: the load is in flight
    await cacheB.invalidateTags(['feed'])
    gate.finish('loaded before the invalidation')
    expect(await racing).toBe('loaded before the invalidation')
    expect(await cacheB.get(['post', 3])).toBeUndefined()
    expect(await cacheA.getOrSet(['post', 3], async () => 'reloaded', { tags: ['feed'] })).toBe('reloaded')
    expect(await cacheB.get(['post', 3])).toBe('reloaded')
  })

  it('a load that started before delete() resolved does not write its value after it', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const gate = gatedLoader<string>()
    const racing = cache.getOrSet('d', gate.load)
    await gate.started // its read has missed: the load is in flight
    expect(await cache.delete('d')).toEqual({ applied: true })
    gate.finish('loaded before the delete')
    await racing
    expect(await cache.get('d')).toBeUndefined()
    await cache.set('d', 'explicit')
    expect(await cache.get('d')).toBe('explicit')
    await cache.deleteMany(['d'])
    expect(await cache.get('d')).toBeUndefined()
  })

  it('clear() empties the namespace, a racing loader included', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    await cache.setMany(
      Array.from({ length: 30 }, (_, i) => ({ id: String(i), value: i })),
      { tags: ['t'] },
    )
    const gate = gatedLoader<string>()
    const racing = cache.getOrSet('racer', gate.load)
    await gate.started // its read has missed: the load is in flight
    const result = await cache.clear()
    expect(result.applied).toBe(true)
    gate.finish('stale')
    await racing
    expect(await cache.get('racer')).toBeUndefined()
    expect((await cache.getMany(['0', '1', '29'])).every((value) => value === undefined)).toBe(true)
    await cache.set('after', 1)
    expect(await cache.get('after')).toBe(1)
  })
  it('clear() keeps to the flush class; a closed cache refuses calls', async () => {
    await using f = await cacheFixture(topology.env, { keyspace: testKeyspace({ flushClass: 'disruptive' }) })
    const cache = f.cache()
    await cache.set('k', 1)
    await expect(cache.clear()).rejects.toSatisfy((error) => isRedlayerError(error, 'E_FLUSH_REFUSED'))
    await expect(cache.clear({ force: true })).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_FLUSH_REFUSED'),
    )
    expect(await cache.get('k')).toBe(1)
    expect((await cache.clear({ force: true, reason: 'test' })).applied).toBe(true)
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
    await expect(cache.get('k')).rejects.toSatisfy((error) => isRedlayerError(error, 'E_CACHE_CLOSED'))
  })
  it('rejects bad options with one typed error, before any load', async () => {
    await using f = await cacheFixture(topology.env)
    const error = (() => {
      try {
        f.cache({ jitter: 2, ttl: 'soon', l1: { maxEntries: -1 } })
      } catch (caught) {
        return caught
      }
    })()
    expect(isRedlayerError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect((error as { details: { problems: string[] } }).details.problems).toHaveLength(3)
    expect(() => f.cache({ namespace: 'nope' } as never)).toThrow()
    const cache = f.cache()
    const loader = countingLoader(1)
    await expect(cache.getOrSet('k', loader, { ttl: 'soon' })).rejects.toSatisfy((caught) =>
      isRedlayerError(caught, 'E_INVALID_DURATION'),
    )
    await expect(cache.getOrSet('k', loader, { distributed: true })).rejects.toSatisfy((caught) =>
      isRedlayerError(caught, 'E_INVALID_OPTIONS'),
    )
    await expect(cache.set('k', 1, { tags: [''] })).rejects.toSatisfy((caught) =>
      isRedlayerError(caught, 'E_INVALID_OPTIONS'),
    )
    expect(loader.calls).toBe(0)
  })
  it('distributed single-flight: a waiter is woken by the holder, or loads by itself after maxWait', async () => {
    await using f = await cacheFixture(topology.env)
    const holder = f.cache({ distributedSingleFlight: true })
    const waiter = f.cache({ distributedSingleFlight: { maxWait: 300 } })
    await Promise.all([holder.ready(), waiter.ready()])

    const slow = countingLoader('from the holder', 150)
    const notNeeded = countingLoader('from the waiter')
    const first = holder.getOrSet('woken', slow)
    await expect.poll(() => slow.calls).toBe(1) // the holder has the lease and is loading
    expect(await waiter.getOrSet('woken', notNeeded)).toBe('from the holder')
    expect(await first).toBe('from the holder')
    expect([slow.calls, notNeeded.calls]).toEqual([1, 0])
    expect(await f.sample(`${M}cache_bus_messages_total`, { direction: 'out' })).toBeGreaterThanOrEqual(1)
    expect(await f.sample(`${M}cache_bus_messages_total`, { direction: 'in' })).toBeGreaterThanOrEqual(1)

    // A holder that never finishes: the waiter stops waiting after maxWait and loads by itself.
    const stuck = countingLoader(() => new Promise<string>(() => {}))
    const alone = countingLoader('loaded alone')
    void holder.getOrSet('stuck', stuck).catch(() => {})
    await expect.poll(() => stuck.calls).toBe(1)
    expect(await waiter.getOrSet('stuck', alone)).toBe('loaded alone')
    expect([stuck.calls, alone.calls]).toEqual([1, 1])
  })

  it('a caller that aborts stops waiting; the shared load goes on for the others', async () => {
    await using f = await cacheFixture(topology.env)
    const cache = f.cache()
    const loader = countingLoader('value', 100)
    const controller = new AbortController()
    const aborted = cache.getOrSet('k', loader, { signal: controller.signal })
    const other = cache.getOrSet('k', loader)
    controller.abort(new Error('caller gave up'))
    await expect(aborted).rejects.toThrow('caller gave up')
    expect(await other).toBe('value')
    expect(loader.calls).toBe(1)
  })
})
