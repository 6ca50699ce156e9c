import type { AddressInfo } from 'node:net'
import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import express from 'express'
import session from 'express-session'
import { describe, expect, it } from 'vitest'
import { RedlayerExpressStore } from '../src/express.js'
import { sessionFixture } from './fixtures.js'

declare module 'express-session' {
  interface SessionData {
    views?: number
  }
}

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
    const store = new RedlayerExpressStore({
      redis: f.redis,
      keyspace: f.keyspace,
      namespace: 'http',
      guard: f.guard,
    })
    const app = express()
    app.use(
      session({
        store,
        secret: 'test secret',
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: 60_000 },
      }),
    )
    app.get('/count', (req, res) => {
      req.session.views = (req.session.views ?? 0) + 1
      res.json({ views: req.session.views })
    })
    app.get('/logout', (req, res, next) => {
      req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })))
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const first = await fetch(`${base}/count`)
      expect(await first.json()).toEqual({ views: 1 })
      const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? ''
      expect(cookie).toMatch(/^connect\.sid=/)
      const second = await fetch(`${base}/count`, { headers: { cookie } })
      expect(await second.json()).toEqual({ views: 2 })

      expect(await promisify<number>((cb) => store.length(cb))).toBe(1)
      const all = (await promisify<unknown>((cb) => store.all(cb))) as { views: number }[]
      expect(all.map((s) => s.views)).toEqual([2])

      // The cookie is `s:<sid>.<signature>`, URI-encoded.
      const sid = decodeURIComponent(cookie.slice('connect.sid='.length)).slice(2).split('.')[0] as string
      const key = f.keyspace.key('http', sid)
      const ttl = await f.redis.pttl(key)
      expect(ttl).toBeGreaterThan(50_000)
      expect(ttl).toBeLessThanOrEqual(60_000)

      await fetch(`${base}/logout`, { headers: { cookie } })
      expect(await f.redis.exists(key)).toBe(0)
      const third = await fetch(`${base}/count`, { headers: { cookie } })
      expect(await third.json()).toEqual({ views: 1 })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
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
    const store = new RedlayerExpressStore({
      redis: f.redis,
      keyspace: f.keyspace,
      namespace: 'http',
      guard: f.guard,
    })
    const expired = { originalMaxAge: 1, expires: new Date(Date.now() - 1000) } as session.Cookie
    await promisify((cb) => store.set('old', { cookie: expired, views: 9 }, cb))
    expect(await promisify((cb) => store.get('old', cb))).toBeNull()
  })
})
