import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { parseSessionId } from '../src/index.js'
import { sessionKeys } from '../src/session-keys.js'
import { sessionFixture } from './fixtures.js'

// Issue 19: the event ids that make appends idempotent are a window of the newest ones, never the
// whole history (ADR-0033, "Idempotency window").
describe.each(topologiesFromEnv())('session appends: the idempotency window on %s', (kind) => {
  const topology = useTopology(kind)
  const appendMany = async (
    store: Awaited<ReturnType<typeof sessionFixture>>['store'],
    id: string,
    count: number,
    prefix: string,
  ) => {
    for (let i = 0; i < count; i++) {
      const result = await store.appendEvent(id, { id: `${prefix}${i}`, type: 'message', data: { i } })
      expect(result.status).toBe('appended')
    }
  }

  it('with maxEvents 10, 1 000 appends keep 128 event ids (the default window), not 1 000', async () => {
    await using f = await sessionFixture(topology, { maxEvents: 10 })
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-window' })
    await appendMany(f.store, id, 1_000, 'e')
    const [, , events, eventIds] = sessionKeys(f.keyspace, 'session', parseSessionId(id))
    expect(await f.redis.llen(events)).toBe(10)
    expect(await f.redis.zcard(eventIds)).toBe(128)
    expect(await f.redis.object('ENCODING', eventIds)).toBe('listpack')
    // Its ids are the newest 128, and every key of the session still expires together.
    expect(await f.redis.zrange(eventIds, '0', '0')).toEqual(['e872'])
    expect(await f.redis.pttl(eventIds)).toBeGreaterThan(0)
    const read = await f.store.get(id)
    expect(read?.eventCount).toBe(1_000)
  })

  it('a retry inside the window is a duplicate; outside it, a new append (as ADR-0033 states)', async () => {
    await using f = await sessionFixture(topology, { idempotencyWindow: 5 })
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-retry' })
    const event = { id: 'lost-reply', type: 'message', data: { text: 'hi' } }
    expect((await f.store.appendEvent(id, event)).status).toBe('appended')
    await appendMany(f.store, id, 4, 'after-')
    // Four appends followed it: still in the window of five, with or without the expected version.
    expect(await f.store.appendEvent(id, event)).toEqual({ status: 'duplicate', version: 5 })
    expect(await f.store.appendEvent(id, event, { expectedVersion: 1 })).toEqual({
      status: 'duplicate',
      version: 5,
    })
    await appendMany(f.store, id, 1, 'more-')
    const outside = await f.store.appendEvent(id, event)
    expect(outside.status).toBe('appended')
    const [, , , eventIds] = sessionKeys(f.keyspace, 'session', parseSessionId(id))
    expect(await f.redis.zcard(eventIds)).toBe(5)
  })

  it('a conflict records nothing: the same event id appends once the version matches', async () => {
    await using f = await sessionFixture(topology)
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-conflict' })
    await appendMany(f.store, id, 2, 'c')
    const event = { id: 'guarded', type: 'message', data: {} }
    expect(await f.store.appendEvent(id, event, { expectedVersion: 1 })).toEqual({
      status: 'conflict',
      currentVersion: 2,
    })
    const [, , , eventIds] = sessionKeys(f.keyspace, 'session', parseSessionId(id))
    expect(await f.redis.zscore(eventIds, 'guarded')).toBeNull()
    expect((await f.store.appendEvent(id, event, { expectedVersion: 2 })).status).toBe('appended')
    expect(await f.store.appendEvent(id, event, { expectedVersion: 2 })).toEqual({
      status: 'duplicate',
      version: 3,
    })
  })

  it('a session written before the window (a plain set of ids) keeps recognising its retries', async () => {
    await using f = await sessionFixture(topology, { idempotencyWindow: 3 })
    const { id } = await f.store.create({ appName: 'chat', userId: 'u-legacy' })
    await appendMany(f.store, id, 2, 'old-')
    const [, , , eventIds] = sessionKeys(f.keyspace, 'session', parseSessionId(id))
    // What the previous release stored: every id in a set, with the session's TTL.
    const ttl = await f.redis.pttl(eventIds)
    await f.redis.del(eventIds)
    await f.redis.sadd(eventIds, 'old-0', 'old-1')
    await f.redis.pexpire(eventIds, ttl)
    expect(await f.store.appendEvent(id, { id: 'old-1', type: 'message', data: {} })).toEqual({
      status: 'duplicate',
      version: 2,
    })
    expect(await f.redis.type(eventIds)).toBe('zset')
    await appendMany(f.store, id, 2, 'new-')
    // The old ids ranked first, so they leave the window first.
    expect((await f.redis.zrange(eventIds, '0', '-1')).sort()).toEqual(['new-0', 'new-1', 'old-1'].sort())
    expect(await f.redis.pttl(eventIds)).toBeGreaterThan(0)
  })
})
