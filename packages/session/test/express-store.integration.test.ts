import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, mastersOf } from '@redlayer/connection'
import { type RedisOperationContext, redlayerChannels } from '@redlayer/connection/diagnostics'
import { defineKeyspace } from '@redlayer/keyspace'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import type session from 'express-session'
import { describe, expect, it } from 'vitest'
import { RedlayerExpressStore } from '../src/express.js'
import { cookieOf, httpStore, serveCounter } from './express-app.js'
import { sessionFixture } from './fixtures.js'

const kinds = topologiesFromEnv()

function promisify<T>(
  call: (callback: (error?: unknown, value?: T) => void) => void,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))))
}

describe.each(kinds)('express-session store on %s', (kind) => {
  const topology = useTopology(kind)

  it('keeps a session across HTTP requests through its cookie, and destroys it', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f)
    await using server = await serveCounter(store, 60_000)
    const first = await fetch(`${server.base}/count`)
    expect(await first.json()).toEqual({ views: 1 })
    const { cookie, sid } = cookieOf(first)
    expect(cookie).toMatch(/^connect\.sid=/)
    const second = await fetch(`${server.base}/count`, { headers: { cookie } })
    expect(await second.json()).toEqual({ views: 2 })

    expect(await promisify<number>((cb) => store.length(cb))).toBe(1)
    const all = (await promisify<unknown>((cb) => store.all(cb))) as { views: number }[]
    expect(all.map((s) => s.views)).toEqual([2])

    const key = f.keyspace.key('http', sid)
    const ttl = await f.redis.pttl(key)
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)

    await fetch(`${server.base}/logout`, { headers: { cookie } })
    expect(await f.redis.exists(key)).toBe(0)
    const third = await fetch(`${server.base}/count`, { headers: { cookie } })
    expect(await third.json()).toEqual({ views: 1 })
  })

  it('refuses clear() without a reason (sessions are disruptive to flush) and clears with one', async () => {
    await using f = await sessionFixture(topology)
    const options = { redis: f.redis, keyspace: f.keyspace, namespace: 'http' as const, guard: f.guard }
    const refusing = new RedlayerExpressStore(options)
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } as session.Cookie
    await promisify((cb) => refusing.set('sid-1', { cookie, views: 1 }, cb))
    await promisify((cb) => refusing.set('sid-2', { cookie, views: 2 }, cb))
    // A chat session in the parent namespace must survive the flush of the nested one.
    const chat = await f.store.create({ appName: 'chat', userId: 'u' })
    await expect(promisify((cb) => refusing.clear(cb))).rejects.toSatisfy((e: unknown) =>
      isRedlayerError(e, 'E_FLUSH_REFUSED'),
    )
    expect(await promisify<number>((cb) => refusing.length(cb))).toBe(2)

    const clearing = new RedlayerExpressStore({ ...options, clearReason: 'test: log everyone out' })
    await promisify((cb) => clearing.clear(cb))
    expect(await promisify<number>((cb) => clearing.length(cb))).toBe(0)
    expect(await f.store.get(chat.id)).not.toBeNull()
  })

  it('drops a session whose cookie has already expired instead of storing it', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f)
    const expired = { originalMaxAge: 1, expires: new Date(Date.now() - 1000) } as session.Cookie
    await promisify((cb) => store.set('old', { cookie: expired, views: 9 }, cb))
    expect(await promisify((cb) => store.get('old', cb))).toBeNull()
  })

  it('ends a session with its cookie over HTTP: a 2 s cookie is logged out after 3 s (never kept to a namespace minimum)', async () => {
    await using f = await sessionFixture(topology)
    await using server = await serveCounter(httpStore(f), 2_000)
    const { cookie, sid } = cookieOf(await fetch(`${server.base}/count`))
    const ttl = await f.redis.pttl(f.keyspace.key('http', sid))
    expect(ttl).toBeGreaterThan(1_000)
    expect(ttl).toBeLessThanOrEqual(2_000)
    await sleep(3_000)
    // The client replays the cookie after it expired: the session is gone from Redis too.
    const replay = await fetch(`${server.base}/count`, { headers: { cookie } })
    expect(await replay.json()).toEqual({ views: 1 })
  })

  it('refuses a namespace whose minimum TTL would outlive a short cookie, and options it does not take', async () => {
    await using f = await sessionFixture(topology)
    const keyspace = defineKeyspace({
      prefix: 'strict',
      namespaces: { http: { kind: 'session', ttl: { default: '1h', min: '5m' } } },
    })
    const refused = (build: () => unknown) => {
      try {
        build()
        return 'built'
      } catch (error) {
        return isRedlayerError(error, 'E_INVALID_OPTIONS')
          ? ((error.details?.problems ?? []) as string[]).join('; ')
          : 'other'
      }
    }
    expect(refused(() => new RedlayerExpressStore({ redis: f.redis, keyspace, namespace: 'http' }))).toMatch(
      /minimum TTL of 300000 ms/,
    )
    const base = { redis: f.redis, keyspace: f.keyspace, namespace: 'http' as const, guard: f.guard }
    expect(refused(() => new RedlayerExpressStore({ ...base, disableTTL: true as false }))).toMatch(
      /disableTTL/,
    )
    expect(refused(() => new RedlayerExpressStore({ ...base, prefix: 'sess:' }))).toMatch(/prefix/)
    expect(refused(() => new RedlayerExpressStore({ ...base, max: 5 } as never))).toMatch(/max/)
    expect(
      new RedlayerExpressStore({ ...base, prefix: new RedlayerExpressStore(base).prefix }).prefix,
    ).toMatch(/session:http::$/)
  })

  it('accepts any genid output (empty, long, with separators) and lists it as given', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f)
    const ids = ['a:b{c}', 'x'.repeat(1_000), 'ü/ß?&=#', '0']
    for (const [i, sid] of ids.entries()) await store.set(sid, { views: i } as never)
    for (const [i, sid] of ids.entries()) expect(await store.get(sid)).toEqual({ views: i })
    expect((await store.ids())?.sort()).toEqual([...ids].sort())
  })

  it('caps a session at absoluteTtl from its first write, however often it is touched', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f, { absoluteTtl: 3_000 })
    const cookie = () =>
      ({ originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }) as session.Cookie
    await store.set('capped', { cookie: cookie(), views: 1 })
    expect(await f.redis.pttl(f.keyspace.key('http', 'capped'))).toBeLessThanOrEqual(3_000)
    await sleep(800)
    await store.touch('capped', { cookie: cookie() })
    await store.set('capped', { cookie: cookie(), views: 2 })
    expect(await f.redis.pttl(f.keyspace.key('http', 'capped'))).toBeLessThanOrEqual(2_200)
    expect(await store.get('capped')).toMatchObject({ views: 2 })
    await expect.poll(() => store.get('capped'), { timeout: 15_000, interval: 100 }).toBeNull()
  })

  it("lists a user's sessions and ends them all, leaving other users' sessions alone", async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f, { userOf: (data) => (data as { userId?: string }).userId })
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } as session.Cookie
    for (const sid of ['ada-laptop', 'ada-phone']) await store.set(sid, { cookie, userId: 'ada' } as never)
    await store.set('bob-laptop', { cookie, userId: 'bob' } as never)
    await store.set('anonymous', { cookie } as never)
    expect((await store.sessionsOf('ada')).sort()).toEqual(['ada-laptop', 'ada-phone'])
    // A session that moved to another user (or expired) is not listed under the first one.
    await store.set('ada-phone', { cookie, userId: 'bob' } as never)
    expect(await store.sessionsOf('ada')).toEqual(['ada-laptop'])
    expect(await store.revokeAll('bob')).toBe(2)
    expect(await store.get('bob-laptop')).toBeNull()
    expect(await store.get('ada-phone')).toBeNull()
    expect(await store.get('ada-laptop')).not.toBeNull()
    expect(await store.get('anonymous')).not.toBeNull()
    expect(await store.length()).toBe(2) // the user index is not a session
  })

  it('calls a callback outside its promise: a throwing callback is an uncaught exception, not a lost rejection', async () => {
    await using f = await sessionFixture(topology)
    const store = httpStore(f)
    const thrown = new Promise<unknown>((resolve) => {
      const listeners = process.listeners('uncaughtException')
      process.removeAllListeners('uncaughtException')
      process.once('uncaughtException', (error) => {
        for (const listener of listeners) process.on('uncaughtException', listener)
        resolve(error)
      })
    })
    const returned = store.get('missing', () => {
      throw new Error('a bug in the caller')
    })
    await expect(returned).resolves.toBeUndefined()
    expect(await thrown).toMatchObject({ message: 'a bug in the caller' })
  })

  it('reads and clears a large namespace a page at a time, each page its own guarded call', async () => {
    // A generous command timeout: the 20 000 writes that set the test up are not what it measures.
    await using f = await sessionFixture(topology, {}, 5_000)
    const store = httpStore(f, { clearReason: 'test: pages' })
    const count = 20_000
    for (let start = 0; start < count; start += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => store.set(`s${start + i}`, { views: start + i } as never)),
      )
    }
    // The guard publishes every call it runs (ADR-0005): count the scans.
    const operations: string[] = []
    const listener = { asyncEnd: (ctx: RedisOperationContext) => operations.push(ctx.operation) }
    redlayerChannels.redisOperation.subscribe(listener)
    try {
      expect(await store.length()).toBe(count)
      const scans = operations.filter((operation) => operation === 'express-session.scan').length
      // SCAN COUNT 100 over 20 000 keys: one guarded call per page, never one call for the whole scan.
      expect(scans).toBeGreaterThanOrEqual(count / 100 / mastersOf(f.redis).length)
      operations.length = 0
      expect((await store.all())?.length).toBe(count)
      expect(
        operations.filter((operation) => operation === 'express-session.read-page').length,
      ).toBeGreaterThan(100)
    } finally {
      redlayerChannels.redisOperation.unsubscribe(listener)
    }
    await store.clear()
    expect(await store.length()).toBe(0)
  })
})
