import { isRedlayerError } from '@redlayer/connection'
import { migrateSlotUnderUse, serverErrorCounts, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { parseSessionId } from '../src/index.js'
import { sessionFixture } from './fixtures.js'

// ADR-0015, ADR-0033: on a Cluster a session and its owner's index share a slot, so every
// session script runs on one node; and a slot moved by hand under the store (ASK, then MOVED)
// loses no appended event.
describe.runIf(topologiesFromEnv().includes('cluster'))('sessions on a Cluster', () => {
  const topology = useTopology('cluster')

  it('creates, appends, updates, lists, reads and deletes sessions of many owners without one CROSSSLOT', async () => {
    await using f = await sessionFixture(topology)
    const before = (await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0
    for (let owner = 0; owner < 15; owner++) {
      const userId = `u${owner}`
      const ids = [
        (await f.store.create({ appName: 'chat', userId })).id,
        (await f.store.create({ appName: 'chat', userId, state: { lang: 'en' } })).id,
      ]
      for (const id of ids) {
        expect((await f.store.appendEvent(id, { type: 'message', data: owner })).status).toBe('appended')
        expect((await f.store.updateState(id, { step: 2 })).status).toBe('updated')
        expect(await f.store.touch(id)).toBe(true)
      }
      const page = await f.store.listSessions({ appName: 'chat', userId, limit: 10 })
      expect(page.sessions.map((session) => session.id).sort()).toEqual([...ids].sort())
      expect((await f.store.get(ids[0] ?? '', { events: 'all' }))?.events).toHaveLength(1)
      expect(await f.store.delete(ids[1] ?? '')).toBe(true)
    }
    expect((await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0).toBe(before)
  })

  it('appends through a slot migration: ASK while its keys move, MOVED after, no event lost', async () => {
    await using f = await sessionFixture(topology)
    const { id } = await f.store.create({ appName: 'chat', userId: 'moving' })
    expect((await f.store.appendEvent(id, { id: 'e0', type: 'message' })).status).toBe('appended')
    const appended = ['e0']
    const redirects = await migrateSlotUnderUse(
      topology.cluster,
      f.keyspace.family('session', parseSessionId(id).owner).key('x'),
      async (phase) => {
        try {
          const result = await f.store.appendEvent(id, { id: `e-${phase}`, type: 'message' })
          expect(result.status).toBe('appended')
          appended.push(`e-${phase}`)
        } catch (error) {
          // A script whose keys are not all on the new owner yet gets TRYAGAIN: fail closed.
          if (phase !== 'migrating' || !isRedlayerError(error, 'E_REDIS_UNAVAILABLE')) throw error
        }
      },
    )
    const session = await f.store.get(id, { events: 'all' })
    expect(appended).toContain('e-moved')
    expect(session?.events.map((event) => event.id)).toEqual(appended)
    expect(redirects.ask).toBeGreaterThan(0)
    expect(redirects.moved).toBeGreaterThan(0)
    expect(redirects.errors.CROSSSLOT).toBeUndefined()
  })
})
