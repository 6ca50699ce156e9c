// Ported from @fastify/rate-limit (https://github.com/fastify/fastify-rate-limit), the global
// cases of test/global-rate-limit.test.js at 78a7d41 that apply to a token bucket. MIT License,
// Copyright (c) 2018-present The Fastify team <https://github.com/fastify/fastify#team>.
//
// What differs from the original, marked `redlayer:` below: the construction (`max: 2,
// timeWindow: 1000` is a limiter of capacity 2 refilled by 2 per second; `headers: 'legacy'` for
// the x-ratelimit-* headers @fastify/rate-limit sends by default), `t.plan(n)` counted with a
// variable, and waits in real time instead of mocked timers (the bucket lives on Redis TIME).
// Left out: stores, bans, `timeWindow` parsing and `continueExceeding`, which a token bucket has
// no use for.
import { setTimeout as sleep } from 'node:timers/promises'
import { useTopology } from '@redlayer/testkit'
import Fastify from 'fastify'
import { describe, expect, test } from 'vitest'
import { type RateLimitPluginOptions, rateLimitPlugin } from '../src/fastify.js'
import { rateLimitFixture } from './fixtures.js'

describe('@fastify/rate-limit global cases', () => {
  const topology = useTopology('standalone')

  // redlayer: `{ max, timeWindow }` as a limiter, and the legacy headers.
  async function register(
    fastify: ReturnType<typeof Fastify>,
    f: Awaited<ReturnType<typeof rateLimitFixture>>,
    { max = 2, ...options }: Partial<Omit<RateLimitPluginOptions, 'limiter'>> & { max?: number } = {},
  ) {
    const limiter = f.limiter({
      name: `p${Math.random().toString(36).slice(2, 8)}`,
      limits: { name: 'window', capacity: max, refill: { tokens: max, interval: '1s' } },
    })
    await fastify.register(rateLimitPlugin, { limiter, headers: 'legacy', ...options })
  }

  test('Basic', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = Fastify()
    await register(fastify, f)
    fastify.get('/', async () => 'hello!')
    let res: Awaited<ReturnType<typeof fastify.inject>>

    res = await fastify.inject('/')
    expect(res.statusCode).toStrictEqual(200)
    expect(res.headers['x-ratelimit-limit']).toStrictEqual('2')
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('1')

    res = await fastify.inject('/')
    expect(res.statusCode).toStrictEqual(200)
    expect(res.headers['x-ratelimit-limit']).toStrictEqual('2')
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('0')

    res = await fastify.inject('/')
    expect(res.statusCode).toStrictEqual(429)
    expect(res.headers['content-type']).toStrictEqual('application/json; charset=utf-8')
    expect(res.headers['x-ratelimit-limit']).toStrictEqual('2')
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('0')
    expect(res.headers['retry-after']).toStrictEqual('1')
    expect({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Rate limit exceeded, retry in 1 second',
    }).toStrictEqual(JSON.parse(res.payload))

    await sleep(1100) // redlayer: clock.tick(1100)

    res = await fastify.inject('/')
    expect(res.statusCode).toStrictEqual(200)
    expect(res.headers['x-ratelimit-limit']).toStrictEqual('2')
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('1')
  })

  test('With ips allowList, allowed ips should not result in rate limiting', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = Fastify()
    await register(fastify, f, { allowList: ['127.0.0.1'] })
    fastify.get('/', async () => 'hello!')
    for (let i = 0; i < 3; i++) expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
  })

  test('With ips allowList, not allowed ips should result in rate limiting', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = Fastify()
    await register(fastify, f, { allowList: ['1.1.1.1'] })
    fastify.get('/', async () => 'hello!')
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(429)
  })

  for (const kind of ['function', 'async/await function'] as const) {
    test(`With ${kind} allowList`, async () => {
      await using f = await rateLimitFixture(topology)
      let assertions = 0 // redlayer: t.plan(18)
      const fastify = Fastify()
      const check = (req: { headers: Record<string, unknown> }, key: unknown) => {
        expect(req.headers).toBeTruthy()
        expect(key).toStrictEqual(42)
        assertions += 2
        return req.headers['x-my-header'] !== undefined
      }
      await register(fastify, f, {
        subject: () => 42, // redlayer: keyGenerator
        allowList:
          kind === 'function'
            ? (req, key) => check(req, key)
            : async (req, key) => {
                await sleep(1)
                return check(req, key)
              },
      })
      fastify.get('/', async () => 'hello!')
      const allowListHeader = { method: 'GET' as const, url: '/', headers: { 'x-my-header': 'FOO BAR' } }
      for (let i = 0; i < 3; i++)
        expect((await fastify.inject(allowListHeader)).statusCode).toStrictEqual(200)
      expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
      expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
      expect((await fastify.inject('/')).statusCode).toStrictEqual(429)
      expect(assertions + 6).toBe(18)
    })
  }

  test('With onExceeding option', async () => {
    await using f = await rateLimitFixture(topology)
    let called = 0 // redlayer: t.plan(5)
    const fastify = Fastify()
    await register(fastify, f, {
      onExceeding: (req, key) => {
        if (req && key) called++
      },
    })
    fastify.get('/', async () => 'hello!')
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(429)
    expect(called).toBe(2)
  })

  test('With onExceeded option', async () => {
    await using f = await rateLimitFixture(topology)
    let called = 0 // redlayer: t.plan(4)
    const fastify = Fastify()
    await register(fastify, f, {
      onExceeded: (req, key) => {
        if (req && key) called++
      },
    })
    fastify.get('/', async () => 'hello!')
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(429)
    expect(called).toBe(1)
  })

  test('With keyGenerator', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = Fastify()
    await register(fastify, f, {
      subject: (req) => {
        expect(req.headers['my-custom-header']).toStrictEqual('random-value')
        return req.headers['my-custom-header'] as string
      },
    })
    fastify.get('/', async () => 'hello!')
    const payload = { method: 'GET' as const, url: '/', headers: { 'my-custom-header': 'random-value' } }
    let res = await fastify.inject(payload)
    expect(res.statusCode).toStrictEqual(200)
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('1')
    res = await fastify.inject(payload)
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('0')
    res = await fastify.inject(payload)
    expect(res.statusCode).toStrictEqual(429)
    expect(res.headers['retry-after']).toStrictEqual('1')
    await sleep(1100) // redlayer: clock.tick(1100)
    res = await fastify.inject(payload)
    expect(res.statusCode).toStrictEqual(200)
  })

  test('does not override the onRequest', async () => {
    await using f = await rateLimitFixture(topology)
    let called = 0
    const fastify = Fastify()
    await register(fastify, f)
    fastify.get(
      '/',
      {
        onRequest: (_req, _reply, next) => {
          called++
          next()
        },
      },
      async () => 'hello!',
    )
    const res = await fastify.inject('/')
    expect(called).toBe(1)
    expect(res.statusCode).toStrictEqual(200)
    expect(res.headers['x-ratelimit-limit']).toStrictEqual('2')
    expect(res.headers['x-ratelimit-remaining']).toStrictEqual('1')
  })

  test('stops fastify lifecycle after onRequest and before preValidation', async () => {
    await using f = await rateLimitFixture(topology)
    const fastify = Fastify()
    await register(fastify, f, { max: 1 })
    let preValidationCallCount = 0
    fastify.get(
      '/',
      {
        preValidation: (_req, _reply, next) => {
          preValidationCallCount++
          next()
        },
      },
      async () => 'hello!',
    )
    expect((await fastify.inject('/')).statusCode).toStrictEqual(200)
    expect((await fastify.inject('/')).statusCode).toStrictEqual(429)
    expect(preValidationCallCount).toStrictEqual(1)
  })
})
