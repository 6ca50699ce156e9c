import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheId } from '@redlayer/cache'
import { expectNoUnhandledRejections, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { cacheFixture } from './fixtures.js'

// Issue 19 (ADR-0020): getManyOrSet has the in-process single-flight of getOrSet, per id.
expectNoUnhandledRejections()

/** A batch loader that records every id it was asked for and answers after `delayMs`. */
function recordingLoader(delayMs = 50) {
  const asked: string[] = []
  const loader = async (ids: CacheId[]) => {
    asked.push(...ids.map(String))
    await sleep(delayMs)
    return ids.map((id) => `value of ${String(id)}`)
  }
  return { asked, loader }
}

describe.each(topologiesFromEnv())('cache: batch single-flight on %s', (kind) => {
  const topology = useTopology(kind)

  it('two concurrent getManyOrSet over overlapping ids load each id once', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const { asked, loader } = recordingLoader()
    const [first, second] = await Promise.all([
      cache.getManyOrSet(['a', 'b', 'c'], loader),
      cache.getManyOrSet(['b', 'c', 'd', 'd'], loader),
    ])
    expect(first).toEqual(['value of a', 'value of b', 'value of c'])
    expect(second).toEqual(['value of b', 'value of c', 'value of d', 'value of d'])
    expect([...asked].sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('a getOrSet joins the batch that loads its id, and a batch joins a getOrSet in flight', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const { asked, loader } = recordingLoader()
    let single = 0
    const lone = async () => {
      single += 1
      await sleep(50)
      return 'loaded alone'
    }
    const batch = cache.getManyOrSet(['x', 'y'], loader)
    expect(await cache.getOrSet('y', lone)).toBe('value of y')
    expect(single).toBe(0)
    await batch
    const flight = cache.getOrSet('z', lone)
    expect(await cache.getManyOrSet(['z', 'w'], loader)).toEqual(['loaded alone', 'value of w'])
    await flight
    expect(single).toBe(1)
    expect(asked).toEqual(['x', 'y', 'w'])
  })

  it('a failing batch fails the calls that joined it, and the next call loads again', async () => {
    await using f = await cacheFixture(topology.env, { commandTimeoutMs: 2_000 })
    const cache = f.cache()
    const failing = async () => {
      await sleep(30)
      throw new Error('source down')
    }
    const results = await Promise.allSettled([
      cache.getManyOrSet(['p', 'q'], failing),
      cache.getOrSet('q', async () => 'never'),
      cache.getManyOrSet(['q'], async () => ['never']),
    ])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected'])
    const { asked, loader } = recordingLoader(0)
    expect(await cache.getManyOrSet(['p', 'q'], loader)).toEqual(['value of p', 'value of q'])
    expect(asked).toEqual(['p', 'q'])
  })
})
