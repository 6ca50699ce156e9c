import { useTopology } from '@redlayer/testkit'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { rateLimitPlugin } from '../src/fastify.js'
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
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(refused.json()).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Rate limit exceeded',
      status: 429,
      detail: 'Retry in 1800 s',
      'violated-policies': ['api'],
      retryAfterMs: expect.any(Number),
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
})
