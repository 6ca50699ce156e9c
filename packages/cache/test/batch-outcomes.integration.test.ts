import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheId } from '@redlayer/cache'
import { expectNoUnhandledRejections, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture } from './fixtures.js'

// Issue 19 (ADR-0020, "Single-flight"): batch reads get the cross-process lease of getOrSet, per
// id, and an outcome per id (getManyOrSetSettled): one failing id without a graced value fails
// only its own slot.
expectNoUnhandledRejections()

const DISTRIBUTED = { distributedSingleFlight: { leaseTtl: '5s', maxWait: '5s' } } as const

/** A batch loader that records every id it is asked for and answers after `delayMs`. */
function recordingLoader(delayMs: number, answer = (id: string): unknown => `value of ${id}`) {
  const asked: string[] = []
  const loader = async (ids: CacheId[]) => {
    asked.push(...ids.map(String))
    await sleep(delayMs)
    return ids.map((id) => answer(String(id)))
  }
  return { asked, loader }
}

describe.each(topologiesFromEnv())('cache: batch outcomes and leases on %s', (kind) => {
  const topology = useTopology(kind)

  it('two processes loading overlapping batches load each id once between them', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    await using other = await f.peer()
    const here = f.cache(DISTRIBUTED)
    const there = other.cache(DISTRIBUTED)
    await Promise.all([here.ready(), there.ready()])
    const { asked, loader } = recordingLoader(300)
    const [first, second] = await Promise.all([
      here.getManyOrSet(['a', 'b', 'c'], loader),
      there.getManyOrSet(['b', 'c', 'd'], loader),
    ])
    expect(first).toEqual(['value of a', 'value of b', 'value of c'])
    expect(second).toEqual(['value of b', 'value of c', 'value of d'])
    expect([...asked].sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('an id the holder could not load wakes the other process at once, which loads it itself', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    await using other = await f.peer()
    const waitLong = { distributedSingleFlight: { leaseTtl: '20s', maxWait: '20s' } }
    const here = f.cache(waitLong)
    const there = other.cache(waitLong)
    await Promise.all([here.ready(), there.ready()])
    const holder = recordingLoader(1_000, (id) => (id === 'y' ? new Error('y is missing') : `value of ${id}`))
    const waiter = recordingLoader(0)
    const held = here.getManyOrSetSettled(['x', 'y'], holder.loader)
    // The holder has both leases once its loader runs.
    await expect.poll(() => holder.asked.length, { timeout: 5_000, interval: 10 }).toBe(2)
    const started = performance.now()
    expect(await there.getManyOrSet(['x', 'y'], waiter.loader)).toEqual(['value of x', 'value of y'])
    expect(performance.now() - started).toBeLessThan(10_000) // woken by the holder, not by maxWait (20 s)
    expect(waiter.asked).toEqual(['y'])
    const outcomes = await held
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'value of x' })
    expect(outcomes[1]?.status).toBe('rejected')
  })

  it('an Error in the reply fails its own id only; the others are cached', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const { loader } = recordingLoader(0, (id) => (id === 'q' ? new Error('q is missing') : `value of ${id}`))
    const outcomes = await cache.getManyOrSetSettled(['p', 'q', 'r'], loader)
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'value of p' })
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { message: 'q is missing' } })
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'value of r' })
    expect(await cache.getMany(['p', 'q', 'r'])).toEqual(['value of p', undefined, 'value of r'])
    await expect(cache.getManyOrSet(['p', 'q'], loader)).rejects.toThrow('q is missing')
  })

  it('a failed load serves the graced ids and fails only those without a graced value', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache({ grace: '30m' })
    await cache.set('kept', 'old value')
    await cache.delete('kept', { soft: true }) // stale but graced
    const failing = async () => {
      throw new Error('source down')
    }
    const outcomes = await cache.getManyOrSetSettled(['kept', 'lost'], failing)
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'old value' })
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { message: 'source down' } })
    await expect(cache.getManyOrSet(['kept', 'lost'], failing)).rejects.toThrow('source down')
    expect(await cache.getManyOrSet(['kept'], failing)).toEqual(['old value'])
  })

  it("a getOrSet joining a batch gets its own id's outcome", async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const { loader } = recordingLoader(50, (id) =>
      id === 'bad' ? new Error('bad is missing') : `value of ${id}`,
    )
    const batch = cache.getManyOrSetSettled(['good', 'bad'], loader)
    const joined = await Promise.allSettled([
      cache.getOrSet('good', async () => 'never'),
      cache.getOrSet('bad', async () => 'never'),
    ])
    expect(joined[0]).toEqual({ status: 'fulfilled', value: 'value of good' })
    expect(joined[1]).toMatchObject({ status: 'rejected', reason: { message: 'bad is missing' } })
    expect((await batch).map((one) => one.status)).toEqual(['fulfilled', 'rejected'])
  })
})
