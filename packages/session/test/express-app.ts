import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { type Store } from 'express-session'
import { type ExpressSessionStoreOptions, RedlayerExpressStore } from '../src/express.js'
import type { sessionFixture } from './fixtures.js'

declare module 'express-session' {
  interface SessionData {
    views?: number
  }
}

/** A store on the fixture's `http` namespace and guard, with `options` of the test's. */
export function httpStore(
  f: Awaited<ReturnType<typeof sessionFixture>>,
  options: Partial<ExpressSessionStoreOptions<'session' | 'http'>> = {},
) {
  return new RedlayerExpressStore({
    redis: f.redis,
    keyspace: f.keyspace,
    namespace: 'http',
    guard: f.guard,
    ...options,
  })
}

/**
 * An express app over real HTTP with sessions in `store` (cookie `maxAge`): `GET /count` counts
 * the requests of a session, `GET /logout` destroys it.
 */
export async function serveCounter(store: Store, maxAge: number) {
  const app = express()
  app.use(
    session({ store, secret: 'test secret', resave: false, saveUninitialized: false, cookie: { maxAge } }),
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
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The session cookie a response sets (`connect.sid=...`), and the session id inside it. */
export function cookieOf(response: Response): { cookie: string; sid: string } {
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? ''
  // The cookie is `s:<sid>.<signature>`, URI-encoded.
  const sid = decodeURIComponent(cookie.slice('connect.sid='.length)).slice(2).split('.')[0] as string
  return { cookie, sid }
}
