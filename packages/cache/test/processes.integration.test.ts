import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { percentile, type Topology, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { type Child, request, startChild } from './child-process.js'
import { cacheFixture, testKeyspace } from './fixtures.js'

async function startWorkers(topology: Topology, prefix: string, count: number): Promise<Child[]> {
  const children = Array.from({ length: count }, () =>
    startChild('cache-worker', { ...topology.env, CACHE_TEST_PREFIX: prefix }),
  )
  await Promise.all(
    children.map(async (child) => {
      await once(child, 'message')
      await request(child, { type: 'ready' })
    }),
  )
  return children
}

describe.each(topologiesFromEnv().filter((kind) => kind !== 'sentinel'))(
  'cache across processes on %s',
  (kind) => {
    const topology = useTopology(kind)

    it('two processes make one loader call per key with distributed single-flight', async () => {
      const prefix = `t${randomBytes(4).toString('hex')}`
      await using f = await cacheFixture(topology.env, { keyspace: testKeyspace({ prefix }) })
      const [first, second] = await startWorkers(topology, prefix, 2)
      await using a = first as Child
      await using b = second as Child
      for (let round = 0; round < 5; round++) {
        const key = `shared-${round}`
        const counter = f.keyspace.key('entity', 'loader-calls', round)
        const load = { type: 'load', key, counter, delayMs: 200 }
        const [fromA, fromB] = await Promise.all([request<string>(a, load), request<string>(b, load)])
        expect(fromA).toBe(fromB)
        expect(await f.redis.get(counter)).toBe('1')
      }
    })

    it('L1 stays coherent: after set/delete/invalidateTags/clear resolve, the other process stops serving the old value', async () => {
      const prefix = `t${randomBytes(4).toString('hex')}`
      await using f = await cacheFixture(topology.env, { keyspace: testKeyspace({ prefix }) })
      const cache = f.cache({ l1: true })
      await cache.ready()
      const [worker] = await startWorkers(topology, prefix, 1)
      await using child = worker as Child
      const windows: number[] = []
      const changes: [string, (round: number) => Promise<unknown>][] = [
        ['set', (round) => cache.set('k', `v${round + 1}`, { tags: ['t'] })],
        ['delete', () => cache.delete('k')],
        ['invalidateTags', () => cache.invalidateTags(['t'])],
        ['clear', () => cache.clear()],
      ]
      const rounds = 200
      for (let round = 0; round < rounds; round++) {
        const [, change] = changes[round % changes.length] as (typeof changes)[number]
        await cache.set('k', `v${round}`, { tags: ['t'] })
        expect(await request(child, { type: 'get', key: 'k' })).toBe(`v${round}`) // now in the child's L1
        const watching = request<{ at: number }>(child, {
          type: 'watch',
          key: 'k',
          old: `v${round}`,
          timeoutMs: 5_000,
        })
        await sleep(10)
        await change(round)
        const resolvedAt = performance.timeOrigin + performance.now()
        const seen = await watching
        windows.push(Math.max(0, seen.at - resolvedAt))
      }
      windows.sort((x, y) => x - y)
      const p50 = percentile(windows, 0.5)
      const p99 = percentile(windows, 0.99)
      console.log(
        `L1 coherence window on ${kind} over ${rounds} changes: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${windows.at(-1)?.toFixed(2)} ms`,
      )
      // The bound is the watch timeout (5 s): every change reached the other process before it.
      expect(windows).toHaveLength(rounds)
    })
  },
)
