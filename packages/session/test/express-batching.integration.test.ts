import { MAX_BATCH_CALLS } from '@redlayer/connection/internal'
import { serverScriptCalls, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import calculateSlot from 'cluster-key-slot'
import type session from 'express-session'
import { describe, expect, it } from 'vitest'
import { httpStore } from './express-app.js'
import { sessionFixture } from './fixtures.js'

function data(n: number): session.SessionData {
  return {
    cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), path: '/', httpOnly: true },
    visitor: n,
  } as session.SessionData
}

// Issue 18 (ADR-0033): the express store's reads and writes of one tick after its first share
// one script call each (per slot on Cluster), and each answers as if alone.
describe.each(topologiesFromEnv())('express store calls of one tick on %s', (kind) => {
  const topology = useTopology(kind)

  it('20 writes, then 20 reads, share calls and each session is its own', async () => {
    await using f = await sessionFixture(topology, {}, 2_000)
    const store = httpStore(f)
    const sids = Array.from({ length: 20 }, (_, i) => `batch-sid-${i}`)
    // On Cluster the sessions' keys are in many slots: one call per slot met, after the first.
    const slots = new Set(sids.map((sid) => calculateSlot(f.keyspace.key('http', sid)))).size
    const batched = 1 + Math.ceil(19 / MAX_BATCH_CALLS)
    const expected = kind === 'cluster' ? slots + batched : batched
    let before = await serverScriptCalls(topology.processes)
    await Promise.all(sids.map((sid, i) => store.set(sid, data(i))))
    expect(await serverScriptCalls(topology.processes)).toBeLessThanOrEqual(before + expected)
    if (kind !== 'cluster') expect(await serverScriptCalls(topology.processes)).toBe(before + batched)
    before = await serverScriptCalls(topology.processes)
    const read = await Promise.all(sids.map((sid) => store.get(sid)))
    expect(await serverScriptCalls(topology.processes)).toBeLessThanOrEqual(before + expected)
    if (kind !== 'cluster') expect(await serverScriptCalls(topology.processes)).toBe(before + batched)
    expect(read.map((s) => (s as { visitor?: number } | null)?.visitor)).toEqual(sids.map((_, i) => i))
    // A read of a session that does not exist, batched with others, is absent.
    const [missing, present] = await Promise.all([store.get('never-set'), store.get('batch-sid-3')])
    expect(missing).toBeNull()
    expect((present as { visitor?: number }).visitor).toBe(3)
  })
})
