import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import type session from 'express-session'
import { describe, expect, it } from 'vitest'
import { createSessionStore } from '../src/index.js'
import { httpStore } from './express-app.js'
import { sessionFixture } from './fixtures.js'

// Issue 19 (connect-redis#167, #141, #288): end every session of a user at once, for good
// (ADR-0033, "Revoking every session of an owner" and the express store's revokeAll).
describe.each(topologiesFromEnv())('revokeAll on %s', (kind) => {
  const topology = useTopology(kind)

  it("the session store ends every session of an owner under every owner secret, and no one else's", async () => {
    const [oldSecret, newSecret] = ['o'.repeat(32), 'n'.repeat(32)]
    await using f = await sessionFixture(topology, { ownerSecret: oldSecret })
    const ada = { appName: 'chat', userId: 'ada' }
    const before = [await f.store.create(ada), await f.store.create(ada)]
    const rotated = createSessionStore({
      redis: f.redis,
      keyspace: f.keyspace,
      namespace: 'session',
      guard: f.guard,
      ownerSecret: [newSecret, oldSecret],
    })
    const after = [await rotated.create(ada)]
    const bob = await rotated.create({ appName: 'chat', userId: 'bob' })
    const otherApp = await rotated.create({ appName: 'mail', userId: 'ada' })
    for (const s of [...before, ...after]) {
      expect((await rotated.appendEvent(s.id, { type: 'message', data: {} })).status).toBe('appended')
    }

    expect(await rotated.revokeAll(ada)).toBe(3)
    for (const s of [...before, ...after]) {
      expect(await rotated.get(s.id)).toBeNull()
      expect((await rotated.appendEvent(s.id, { type: 'message', data: {} })).status).toBe('not-found')
      expect(await rotated.touch(s.id)).toBe(false)
    }
    expect((await rotated.listSessions(ada)).sessions).toEqual([])
    expect(await rotated.get(bob.id)).not.toBeNull()
    expect(await rotated.get(otherApp.id)).not.toBeNull()
    // Nothing is left behind: the owner's indexes and every key of the sessions are gone.
    expect(await rotated.revokeAll(ada)).toBe(0)
    const fresh = await rotated.create(ada)
    expect((await rotated.listSessions(ada)).sessions.map((s) => s.id)).toEqual([fresh.id])
  })

  it('the session store ends more sessions than one script call takes (300 of one owner)', async () => {
    await using f = await sessionFixture(topology)
    const owner = { appName: 'chat', userId: 'many' }
    const ids: string[] = []
    for (let i = 0; i < 300; i++) ids.push((await f.store.create(owner)).id)
    expect(await f.store.revokeAll(owner)).toBe(300)
    expect(await f.store.get(ids[0] as string)).toBeNull()
    expect(await f.store.get(ids[299] as string)).toBeNull()
    expect((await f.store.listSessions({ ...owner, limit: 10 })).sessions).toEqual([])
  })

  it('the express store ends a user’s sessions, and a request still holding one cannot write it back', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f, { userOf: (data) => (data as { userId?: string }).userId })
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } as session.Cookie
    for (const sid of ['ada-laptop', 'ada-phone', 'ada-tablet'])
      await store.set(sid, { cookie, userId: 'ada' } as never)
    await store.set('bob-laptop', { cookie, userId: 'bob' } as never)
    // A request on ada's phone has loaded its session and will save it when it ends.
    const inFlight = await store.get('ada-phone')
    expect(inFlight).toMatchObject({ userId: 'ada' })

    expect(await store.revokeAll('ada')).toBe(3)
    expect(await store.get('ada-laptop')).toBeNull()
    await store.set('ada-phone', { ...(inFlight as object), cookie, views: 9 } as never)
    await store.touch('ada-tablet', { cookie, userId: 'ada' } as never)
    expect(await store.get('ada-phone')).toBeNull()
    expect(await store.get('ada-tablet')).toBeNull()
    expect(await store.sessionsOf('ada')).toEqual([])
    // Marks are no sessions: not counted, listed or returned.
    expect(await store.length()).toBe(1)
    expect(await store.ids()).toEqual(['bob-laptop'])
    expect(((await store.all()) ?? []).map((s) => s.id)).toEqual(['bob-laptop'])
    expect(await store.get('bob-laptop')).toMatchObject({ userId: 'bob' })
    // A mark outlives the session's own end by at least the in-flight bound.
    const mark = f.keyspace.key('http', 'ada-phone')
    expect(await f.redis.hgetall(mark)).toEqual({ r: '1' })
    expect(await f.redis.pttl(mark)).toBeGreaterThan(60_000)
    // A new login (a new id) works and is listed.
    await store.set('ada-new-login', { cookie, userId: 'ada' } as never)
    expect(await store.sessionsOf('ada')).toEqual(['ada-new-login'])
    expect(await store.revokeAll('nobody')).toBe(0)
  })
})
