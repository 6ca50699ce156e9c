import { useTopology } from '@redlayer/testkit'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { RateLimitedError, rateLimitPlugin } from '../src/fastify.js'
import { rateLimitFixture } from './fixtures.js'

describe('Fastify plugin', () => {
  const topology = useTopology('standalone')

  async function app(f: Awaited<ReturnType<typeof rateLimitFixture>>, global = true) {
    const limiter = f.limiter({ limits: { name: 'api', capacity: 2, refill: { tokens: 2, interval: '1h' } } })
    const uploads = f.limiter({
      name: 'uploads',
      limits: { name: 'bytes', capacity: 10, refill: { tokens: 10, interval: '1h' } },
    })
    const fastify = Fastify()
    await fastify.register(rateLimitPlugin, { limiter, global })
    fastify.get('/limited', async (request) => ({ remaining: request.rateLimit?.remaining }))
    fastify.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }))
    fastify.post(
      '/upload',
      {
        config: {
          rateLimit: {
            limiter: uploads,
            subject: (request) => String(request.headers['x-api-key']),
            cost: (request) => Number(request.headers['x-cost']),
          },
        },
      },
      async () => ({ stored: true }),
    )
    await fastify.ready()
    return fastify
  }

  it('adds the headers, answers 429 with Retry-After and a JSON body, and limits by IP by default', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = await app(f)
    const first = await fastify.inject({ method: 'GET', url: '/limited', remoteAddress: '10.0.0.1' })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toEqual({ remaining: 1 })
    expect(first.headers['ratelimit-policy']).toBe('"api";q=2;w=3600')
    expect(first.headers.ratelimit).toBe('"api";r=1;t=1800')
    expect(first.headers['retry-after']).toBeUndefined()
    await fastify.inject({ method: 'GET', url: '/limited', remoteAddress: '10.0.0.1' })
    const refused = await fastify.inject({ method: 'GET', url: '/limited', remoteAddress: '10.0.0.1' })
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBe('1800')
    expect(refused.headers.ratelimit).toBe('"api";r=0;t=1800')
    // Thrown through Fastify's error handling: its default handler's body, as @fastify/rate-limit's.
    expect(refused.headers['content-type']).toMatch(/^application\/json/)
    expect(refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Rate limit exceeded, retry in 1800 seconds',
    })
    // Another address has its own bucket; an exempt route is never limited nor annotated.
    expect(
      (await fastify.inject({ method: 'GET', url: '/limited', remoteAddress: '10.0.0.2' })).statusCode,
    ).toBe(200)
    const health = await fastify.inject({ method: 'GET', url: '/health', remoteAddress: '10.0.0.1' })
    expect(health.statusCode).toBe(200)
    expect(health.headers['ratelimit-policy']).toBeUndefined()
    await fastify.close()
  })

  it('takes the limiter, subject and cost of a route from its config', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = await app(f)
    const upload = (key: string, cost: number) =>
      fastify.inject({
        method: 'POST',
        url: '/upload',
        headers: { 'x-api-key': key, 'x-cost': String(cost) },
      })
    expect((await upload('k1', 7)).statusCode).toBe(200)
    const refused = await upload('k1', 4)
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['ratelimit-policy']).toBe('"bytes";q=10;w=3600')
    expect(refused.headers.ratelimit).toBe('"bytes";r=3;t=360')
    expect((await upload('k1', 3)).statusCode).toBe(200)
    expect((await upload('k2', 10)).statusCode).toBe(200)
    await fastify.close()
  })

  it('limits only the routes that ask for it when global is false', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = await app(f, false)
    for (let i = 0; i < 4; i++) {
      const response = await fastify.inject({ method: 'GET', url: '/limited' })
      expect(response.statusCode).toBe(200)
      expect(response.headers.ratelimit).toBeUndefined()
    }
    const upload = await fastify.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'x-api-key': 'k', 'x-cost': '1' },
    })
    expect(upload.headers.ratelimit).toBe('"bytes";r=9;t=360')
    await fastify.close()
  })

  it('registers in a parent and a child scope, and decides each request once (the outermost registration)', async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({ limits: { name: 'api', capacity: 2, refill: { tokens: 2, interval: '1h' } } })
    const fastify = Fastify()
    await fastify.register(rateLimitPlugin, { limiter })
    await fastify.register(async (child) => {
      await child.register(rateLimitPlugin, { limiter })
      child.get('/child', async (request) => ({ remaining: request.rateLimit?.remaining }))
    })
    await fastify.ready()
    const first = await fastify.inject({ url: '/child', remoteAddress: '10.7.0.1' })
    expect(first.json()).toEqual({ remaining: 1 }) // one token, not two
  })

  it('raises the 429 through setErrorHandler, and sends what errorResponseBuilder builds', async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({ limits: { name: 'api', capacity: 1, refill: { tokens: 1, interval: '1h' } } })
    const shaped = Fastify()
    await shaped.register(rateLimitPlugin, { limiter })
    shaped.setErrorHandler((error, _request, reply) => {
      const limited = error instanceof RateLimitedError
      reply
        .code(limited ? 429 : 500)
        .send({ shaped: true, limited, violated: limited ? error.result.violated : [] })
    })
    shaped.get('/', async () => 'ok')
    await shaped.inject({ url: '/', remoteAddress: '10.7.1.1' })
    const refused = await shaped.inject({ url: '/', remoteAddress: '10.7.1.1' })
    expect([refused.statusCode, refused.json()]).toEqual([
      429,
      { shaped: true, limited: true, violated: ['api'] },
    ])
    expect(refused.headers['retry-after']).toBe('3600')

    const built = Fastify()
    await built.register(rateLimitPlugin, {
      limiter,
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        code: 'SLOW_DOWN',
        message: `wait ${context.after}`,
      }),
    })
    built.get('/', async () => 'ok')
    const denied = await built.inject({ url: '/', remoteAddress: '10.7.1.1' })
    expect([denied.statusCode, denied.json().code, denied.json().message]).toEqual([
      429,
      'SLOW_DOWN',
      'wait 3600 seconds',
    ])
  })
})
