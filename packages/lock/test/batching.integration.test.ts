import { MAX_BATCH_CALLS } from '@redlayer/connection/internal'
import { serverScriptCalls, topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import type { Lock } from '../src/index.js'
import { lockFixture, useLockTopology } from './fixtures.js'

// Issue 18 (ADR-0030): a tick's acquisitions and releases after its first share script calls,
// and each gets what the script alone would have given it.
describe.each(topologiesFromEnv())('lock calls of one tick on %s', (kind) => {
  const shared = useLockTopology(kind)

  it('40 acquisitions of free resources, then their releases, share calls and each is exact', async () => {
    await using f = lockFixture(shared.redis)
    // One group: one slot on Cluster too, so one batch everywhere.
    const resources = Array.from({ length: 40 }, (_, i): [string, string] => ['batch', `resource-${i}`])
    const before = await serverScriptCalls(shared.topology.processes)
    const locks = await Promise.all(resources.map((r) => f.locks.acquire(r, { ttl: 10_000 })))
    const acquiring = (await serverScriptCalls(shared.topology.processes)) - before
    // The first alone, 39 in batches of at most MAX_BATCH_CALLS.
    const batched = 1 + Math.ceil(39 / MAX_BATCH_CALLS)
    expect(acquiring).toBe(batched)
    // Every lock is held, by its own token, with a fence of its own counter.
    for (const r of resources) expect(await f.locks.tryAcquire(r)).toBeNull()
    const afterChecks = await serverScriptCalls(shared.topology.processes)
    const released = await Promise.all(locks.map((lock: Lock) => lock.release()))
    expect(released.every((r) => r.released)).toBe(true)
    const releasing = (await serverScriptCalls(shared.topology.processes)) - afterChecks
    expect(releasing).toBe(batched)
    // All free again.
    const again = await Promise.all(resources.map((r) => f.locks.tryAcquire(r)))
    expect(again.every((lock) => lock !== null)).toBe(true)
    await Promise.all(again.map((lock) => lock?.release()))
  })

  it('10 acquisitions of one resource in one tick grant it once, and fences still go up', async () => {
    await using f = lockFixture(shared.redis)
    const first = await f.locks.acquire('contended', { ttl: 10_000 })
    await first.release()
    const tries = await Promise.all(Array.from({ length: 10 }, () => f.locks.tryAcquire('contended')))
    const granted = tries.filter((lock): lock is Lock => lock !== null)
    expect(granted).toHaveLength(1)
    // The first of the tick left alone and won; the nine batched after it found it held.
    expect(tries[0]).not.toBeNull()
    expect((granted[0] as Lock).fence).toBeGreaterThan(first.fence)
    await (granted[0] as Lock).release()
  })
})
