import { setTimeout as sleep } from 'node:timers/promises'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture } from './fixtures.js'

// Issue 19 (cache-manager's refreshThreshold, jaredwray/cacheable#533): a hit past `earlyRefresh`
// of its TTL returns the value at once and reloads it in the background, once (ADR-0020,
// "Refresh ahead").
const TTL = 4_000
const OPTIONS = { ttl: TTL, jitter: 0, earlyRefresh: 0.5 }

/** A loader that counts its calls, takes `delayMs`, and returns `v<call>`. */
function versionedLoader(delayMs = 200) {
  const loader = Object.assign(
    async () => {
      loader.calls += 1
      const call = loader.calls
      await sleep(delayMs)
      return `v${call}`
    },
    { calls: 0 },
  )
  return loader
}

describe.each(topologiesFromEnv())('cache: refresh ahead on %s', (kind) => {
  const topology = useTopology(kind)

  it('past the share a hit returns the value at once and reloads it once in the background', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache({ ...OPTIONS, l1: true })
    await cache.ready()
    // The refresh (the second load) is held until the hits have their answers.
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const loader = Object.assign(
      async () => {
        loader.calls += 1
        if (loader.calls > 1) await gate
        return `v${loader.calls}`
      },
      { calls: 0 },
    )
    expect(await cache.getOrSet('price', loader)).toBe('v1')
    expect(await cache.getOrSet('price', loader)).toBe('v1') // early in its TTL: nothing due
    expect(loader.calls).toBe(1)
    await sleep(TTL / 2 + 100)
    const hits = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('price', loader)))
    expect(hits.every((value) => value === 'v1')).toBe(true) // answered while the refresh is held
    // One refresh for the ten, started in the background (it reads again before it loads).
    await expect.poll(() => loader.calls, { timeout: 5_000, interval: 10 }).toBe(2)
    open()
    await expect.poll(() => cache.getOrSet('price', loader), { timeout: 5_000, interval: 50 }).toBe('v2')
    expect(loader.calls).toBe(2)
    // The refreshed value has a whole TTL again; a call can turn it off.
    expect(await cache.getOrSet('price', loader, { earlyRefresh: false })).toBe('v2')
    expect(loader.calls).toBe(2)
  })

  it('two processes refresh once between them with the distributed lease, once each without it', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    await using other = await f.peer()
    for (const distributed of [true, false]) {
      const here = f.cache({ ...OPTIONS, distributedSingleFlight: distributed })
      const there = other.cache({ ...OPTIONS, distributedSingleFlight: distributed })
      await Promise.all([here.ready(), there.ready()])
      const loader = versionedLoader()
      const id = `rates-${distributed}`
      expect(await here.getOrSet(id, loader)).toBe('v1')
      await sleep(TTL / 2 + 100)
      const hits = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? here : there).getOrSet(id, loader)),
      )
      expect(hits.every((value) => value === 'v1')).toBe(true)
      await expect.poll(() => loader.calls, { timeout: 5_000, interval: 50 }).toBe(distributed ? 2 : 3)
      await sleep(300) // the refreshes are written; no further one starts
      expect(loader.calls).toBe(distributed ? 2 : 3)
    }
  })

  it('a refresh that fails leaves the value until it expires, and the next due hit tries again', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache(OPTIONS)
    let calls = 0
    const loader = async () => {
      calls += 1
      if (calls > 1) throw new Error('source down')
      return 'v1'
    }
    expect(await cache.getOrSet('feed', loader)).toBe('v1')
    await sleep(TTL / 2 + 100)
    expect(await cache.getOrSet('feed', loader)).toBe('v1')
    await expect.poll(() => calls, { timeout: 5_000, interval: 20 }).toBe(2)
    await sleep(50)
    expect(await cache.getOrSet('feed', loader)).toBe('v1')
    await expect.poll(() => calls, { timeout: 5_000, interval: 20 }).toBe(3)
  })
})
