import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, mastersOf } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { createSessionStore } from '../src/index.js'
import { sessionFixture } from './fixtures.js'

const kinds = topologiesFromEnv()

describe.each(kinds)('session store on %s', (kind) => {
  const topology = useTopology(kind)

  it('creates a session and reads it back with its state', async () => {
    await using f = await sessionFixture(topology)
    const created = await f.store.create({ appName: 'chat', userId: 'u-1', state: { lang: 'pt', turns: 0 } })
    expect(created.id).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{24}$/)
    const read = await f.store.get(created.id, { events: 'all' })
    expect(read).toMatchObject({ id: created.id, appName: 'chat', userId: 'u-1', version: 0, eventCount: 0 })
    expect(read?.state).toEqual({ lang: 'pt', turns: 0 })
    expect(read?.events).toEqual([])
    expect(read?.createdAt.getTime()).toBe(created.createdAt.getTime())
  })

  it('appends concurrently in one order, each event once, and recognises retries', async () => {
    await using f = await sessionFixture(topology)
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-2' })
    const appends = Array.from({ length: 50 }, (_, i) =>
      f.store.appendEvent(id, { id: `e${i}`, type: 'message', data: { i } }),
    )
    const results = await Promise.all(appends)
    expect(results.every((r) => r.status === 'appended')).toBe(true)
    const versions = results.map((r) => (r.status === 'appended' ? r.version : -1)).sort((a, b) => a - b)
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))

    const retries = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        f.store.appendEvent(id, { id: `e${i}`, type: 'message', data: { i } }),
      ),
    )
    expect(retries.every((r) => r.status === 'duplicate' && r.version === 50)).toBe(true)

    const session = await f.store.get(id, { events: 'all' })
    expect(session?.version).toBe(50)
    expect(session?.events.map((e) => e.seq)).toEqual(versions)
    expect(new Set(session?.events.map((e) => e.id)).size).toBe(50)
    const ats = session?.events.map((e) => e.at.getTime()) ?? []
    expect(ats).toEqual([...ats].sort((a, b) => a - b))
  })

  it('reports a version conflict with the current version and never interleaves', async () => {
    await using f = await sessionFixture(topology)
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-3' })
    const [a, b] = await Promise.all([
      f.store.appendEvent(id, { type: 'message', data: 'a' }, { expectedVersion: 0 }),
      f.store.appendEvent(id, { type: 'message', data: 'b' }, { expectedVersion: 0 }),
    ])
    const statuses = [a?.status, b?.status].sort()
    expect(statuses).toEqual(['appended', 'conflict'])
    const conflict = [a, b].find((r) => r?.status === 'conflict')
    expect(conflict).toEqual({ status: 'conflict', currentVersion: 1 })

    const update = await f.store.updateState(id, { topic: 'x' }, { expectedVersion: 0 })
    expect(update).toEqual({ status: 'conflict', currentVersion: 1 })
    const ok = await f.store.updateState(id, { topic: 'x', lang: 'en' }, { expectedVersion: 1 })
    expect(ok.status).toBe('updated')
    const removed = await f.store.updateState(id, { lang: undefined })
    expect(removed).toMatchObject({ status: 'updated', version: 3 })
    const session = await f.store.get(id)
    expect(session?.state).toEqual({ topic: 'x' })
    const conflicts = await f.metrics.registry.getSingleMetric('redlayer_session_conflicts_total')?.get()
    expect(conflicts?.values.reduce((sum, v) => sum + v.value, 0)).toBe(2)
  })

  it('returns the last N events or a page, and trims to maxEvents', async () => {
    await using f = await sessionFixture(topology, { maxEvents: 5 })
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-4' })
    for (let i = 1; i <= 12; i++) await f.store.appendEvent(id, { id: `e${i}`, type: 't', data: i })
    const all = await f.store.get(id, { events: 'all' })
    expect(all?.events.map((e) => e.data)).toEqual([8, 9, 10, 11, 12])
    expect(all?.eventCount).toBe(12)
    const last = await f.store.get(id, { events: { last: 2 } })
    expect(last?.events.map((e) => e.seq)).toEqual([11, 12])
    const page = await f.store.get(id, { events: { offset: 1, limit: 2 } })
    expect(page?.events.map((e) => e.seq)).toEqual([9, 10])
    // A retried id is still recognised after its event was trimmed away.
    expect((await f.store.appendEvent(id, { id: 'e1', type: 't', data: 1 })).status).toBe('duplicate')
  })

  it('ends a session at the earlier of its idle timeout and its absolute cap; every key has a TTL', async () => {
    await using f = await sessionFixture(topology, { idleTtl: 400, absoluteTtl: 900 })
    const idle = await f.store.create({ appName: 'chat', userId: 'u-5' })
    const active = await f.store.create({ appName: 'chat', userId: 'u-5', state: { a: 1 } })
    await f.store.appendEvent(active.id, { type: 't' })
    for (const node of mastersOf(f.redis)) {
      const [, keys] = await node.scan('0', 'MATCH', f.keyspace.pattern('session'), 'COUNT', 1000)
      for (const key of keys) expect(await node.pttl(key)).toBeGreaterThan(0)
    }
    // Keep one session active past its idle timeout; the other goes idle.
    for (let i = 0; i < 3; i++) {
      await sleep(200)
      expect(await f.store.touch(active.id)).toBe(true)
    }
    expect(await f.store.get(idle.id)).toBeNull()
    expect(await f.store.get(active.id)).not.toBeNull()
    // However active, the session ends at its absolute cap.
    await sleep(400)
    await f.store.touch(active.id)
    await sleep(100)
    expect(await f.store.get(active.id)).toBeNull()
    expect((await f.store.appendEvent(active.id, { type: 't' })).status).toBe('not-found')
    expect(await f.store.touch(active.id)).toBe(false)
  })

  it("lists an owner's sessions newest first, page by page, dropping expired ones lazily", async () => {
    await using f = await sessionFixture(topology)
    const owner = { appName: 'chat', userId: 'user:{1} *?[]\r\n' }
    const ids: string[] = []
    for (let i = 0; i < 23; i++) ids.push((await f.store.create(owner)).id)
    await f.store.create({ appName: 'chat', userId: 'someone else' })
    await sleep(2) // a later millisecond than every creation: the bump is strictly the newest
    await f.store.appendEvent(ids[3] as string, { type: 'bump' })
    await f.store.delete(ids[10] as string)

    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await f.store.listSessions({ ...owner, limit: 5, ...(cursor && { cursor }) })
      seen.push(...page.sessions.map((s) => s.id))
      cursor = page.cursor
      pages++
    } while (cursor)
    expect(pages).toBe(5)
    expect(seen).toHaveLength(22)
    expect(new Set(seen).size).toBe(22)
    expect(seen[0]).toBe(ids[3])
    expect(seen).not.toContain(ids[10])
    const expected = ids.filter((_, i) => i !== 10 && i !== 3).reverse()
    // Sessions created in the same millisecond tie on score; compare as sets beyond the first.
    expect(new Set(seen.slice(1))).toEqual(new Set(expected))
  })

  it('keys owner hashes with the owner secret, lists across a rotation and checks owners from the id', async () => {
    const [oldSecret, newSecret] = ['o'.repeat(32), 'n'.repeat(32)]
    await using f = await sessionFixture(topology, { ownerSecret: oldSecret })
    const owner = { appName: 'chat', userId: '1234' }
    const before = [await f.store.create(owner), await f.store.create(owner)].map((s) => s.id)
    const unkeyed = createSessionStore({
      redis: f.redis,
      keyspace: f.keyspace,
      namespace: 'session',
      guard: f.guard,
    })
    // The unkeyed hash of the guessed user id is not the id's owner hash.
    expect((await unkeyed.listSessions(owner)).sessions).toEqual([])
    expect(unkeyed.isOwnedBy(before[0] as string, owner)).toBe(false)

    const rotated = createSessionStore({
      redis: f.redis,
      keyspace: f.keyspace,
      namespace: 'session',
      guard: f.guard,
      ownerSecret: [newSecret, oldSecret],
    })
    const after = [await rotated.create(owner), await rotated.create(owner), await rotated.create(owner)]
    expect(after.every((s) => !f.store.isOwnedBy(s.id, owner))).toBe(true)
    for (const id of [...before, ...after.map((s) => s.id)]) expect(rotated.isOwnedBy(id, owner)).toBe(true)
    expect(rotated.isOwnedBy(before[0] as string, { appName: 'chat', userId: '1235' })).toBe(false)
    expect(() => rotated.isOwnedBy('not an id', owner)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_SESSION_ID' }),
    )

    // Page by page across both indexes: the current secret's sessions first, each once.
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await rotated.listSessions({ ...owner, limit: 2, ...(cursor && { cursor }) })
      seen.push(...page.sessions.map((s) => s.id))
      cursor = page.cursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen.slice(0, 3))).toEqual(new Set(after.map((s) => s.id)))
    expect(new Set(seen.slice(3))).toEqual(new Set(before))
    // Only secrets of 16 characters or more.
    expect(() =>
      createSessionStore({
        redis: f.redis,
        keyspace: f.keyspace,
        namespace: 'session',
        ownerSecret: 'short',
      }),
    ).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTIONS' }))
  })

  it('bounds the number of state fields with a typed error before any script runs', async () => {
    await using f = await sessionFixture(topology)
    const wide = Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`f${i}`, i]))
    await expect(f.store.create({ appName: 'chat', userId: 'wide', state: wide })).rejects.toMatchObject({
      code: 'E_INVALID_VALUE',
      details: { fields: 4_000, maxStateFields: 1_000 },
    })
    const { id } = await f.store.create({ appName: 'chat', userId: 'wide' })
    await expect(f.store.updateState(id, wide)).rejects.toMatchObject({ code: 'E_INVALID_VALUE' })
    // At the bound, the scripts take it (unpack is far from its limit).
    const most = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`f${i}`, i]))
    expect(await f.store.updateState(id, most)).toMatchObject({ status: 'updated', version: 1 })
    expect(Object.keys((await f.store.get(id))?.state ?? {})).toHaveLength(1_000)
  })

  it('refuses hostile session ids and arguments with typed errors', async () => {
    await using f = await sessionFixture(topology)
    for (const id of [
      '',
      '*',
      '../x',
      'a:b',
      '{x}',
      '0123456789abcdef.short',
      `${'a'.repeat(16)}.${'*'.repeat(24)}`,
    ]) {
      await expect(f.store.get(id)).rejects.toSatisfy((e: unknown) =>
        isRedlayerError(e, 'E_INVALID_SESSION_ID'),
      )
    }
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-6' })
    await expect(f.store.appendEvent(id, { type: '' })).rejects.toSatisfy((e: unknown) =>
      isRedlayerError(e, 'E_INVALID_ARGUMENT'),
    )
    await expect(f.store.appendEvent(id, { type: 't' }, { expectedVersion: 1.5 })).rejects.toSatisfy(
      (e: unknown) => isRedlayerError(e, 'E_INVALID_ARGUMENT'),
    )
    await expect(f.store.appendEvent(id, { type: 't', data: 10n })).rejects.toSatisfy((e: unknown) =>
      isRedlayerError(e, 'E_INVALID_VALUE'),
    )
    await expect(f.store.create({ appName: '', userId: 'x' })).rejects.toSatisfy((e: unknown) =>
      isRedlayerError(e, 'E_INVALID_ARGUMENT'),
    )
    expect((await f.store.get(id))?.version).toBe(0)
  })
})
