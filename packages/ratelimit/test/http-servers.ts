import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { type ExpressRateLimitOptions, rateLimitMiddleware } from '../src/express.js'
import { type RateLimitPluginOptions, rateLimitPlugin } from '../src/fastify.js'
import { type HonoRateLimitOptions, rateLimiter } from '../src/hono.js'
import type { HttpLimitOptions } from '../src/http/http-limit.js'

/** One limited route (`GET /limited`, answering `{ ok: true }`) served over real HTTP on loopback. */
export interface TestServer extends AsyncDisposable {
  readonly url: string
  /** How many requests reached the route: the ones the limiter admitted, answered or not yet. */
  readonly served: number
}

/**
 * The same options on each adapter, its client address taken from `X-Forwarded-For` (each
 * framework's trusted-proxy setting), so that a test can speak from any address. `subject` gets
 * the request's `x-api-key` header when the test asks for it.
 */
export type Adapter = (options: HttpLimitOptions<never> & { apiKeySubject?: boolean }) => Promise<TestServer>

const apiKey = (header: string | string[] | undefined) => (typeof header === 'string' ? header : undefined)

/** A count of the requests that reached the route, shared by the adapter's server and its handler. */
function routeCounter() {
  const counter = { served: 0 }
  return { counter, reached: () => void counter.served++ }
}

export const ADAPTERS: Record<'fastify' | 'express' | 'hono', Adapter> = {
  async fastify({ apiKeySubject, ...options }) {
    const { counter, reached } = routeCounter()
    const app = Fastify({ trustProxy: true })
    await app.register(rateLimitPlugin, {
      ...(options as RateLimitPluginOptions),
      ...(apiKeySubject && { subject: (request) => apiKey(request.headers['x-api-key']) }),
    })
    app.get('/limited', async () => {
      reached()
      return { ok: true }
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      url,
      get served() {
        return counter.served
      },
      [Symbol.asyncDispose]: () => app.close(),
    }
  },
  async express({ apiKeySubject, ...options }) {
    const { counter, reached } = routeCounter()
    const app = express()
    app.set('trust proxy', true)
    app.use(
      rateLimitMiddleware({
        ...(options as ExpressRateLimitOptions),
        ...(apiKeySubject && { keyGenerator: (req) => apiKey(req.headers['x-api-key']) }),
      }),
    )
    app.get('/limited', (_req, res) => {
      reached()
      res.json({ ok: true })
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get served() {
        return counter.served
      },
      [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
  async hono({ apiKeySubject, ...options }) {
    const { counter, reached } = routeCounter()
    const app = new Hono()
    app.use(
      rateLimiter({
        ...(options as HonoRateLimitOptions),
        address: (c) => c.req.header('x-forwarded-for'),
        ...(apiKeySubject && { subject: (c) => c.req.header('x-api-key') }),
      }),
    )
    app.get('/limited', (c) => {
      reached()
      return c.json({ ok: true })
    })
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started))
    })
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get served() {
        return counter.served
      },
      [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
}
