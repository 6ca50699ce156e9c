import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppFixture, signIn, startAppFixture } from './app-fixture.js'

// ADR-0012, ADR-0041: every API route is limited per client (the signed-in user, else the address), with the IETF RateLimit
// headers on every answer and a 429 with Retry-After once the bucket is empty.

let fixture: AppFixture
beforeAll(async () => {
  // Three requests, then one more every 10 s: a test can empty a bucket without waiting.
  fixture = await startAppFixture({
    rateLimits: { name: 'burst', capacity: 3, refill: { tokens: 1, interval: '10s' } },
  })
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

type Headers = Record<string, string>
const call = (headers: Headers, url = '/api/entities/2', remoteAddress = '127.0.0.1') =>
  fixture.app.inject({ method: 'GET', url, headers, remoteAddress })

describe('the API rate limit', () => {
  it('sends the RateLimit headers, then 429 with Retry-After and a JSON body once the bucket is empty', async () => {
    const alice = await signIn(fixture.app, 'alice', '192.0.2.1')
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await call(alice))
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429])
    expect(answers[0]?.headers['ratelimit-policy']).toMatch(/^"burst";q=3;w=30$/)
    expect(answers.map((a) => a.headers.ratelimit)).toEqual([
      expect.stringMatching(/^"burst";r=2;t=\d+$/),
      expect.stringMatching(/^"burst";r=1;t=\d+$/),
      expect.stringMatching(/^"burst";r=0;t=\d+$/),
      expect.stringMatching(/^"burst";r=0;t=\d+$/),
    ])
    const denied = answers[3]
    expect(Number(denied?.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(denied?.headers['retry-after'])).toBeLessThanOrEqual(10)
    // The body is the limiter plugin's (@redlayer/ratelimit/fastify): JSON naming the limit and the wait.
    expect(denied?.headers['content-type']).toMatch(/json/)
    expect(denied?.json()).toMatchObject({ retryAfterMs: expect.any(Number) })
    expect(denied?.body).toContain('"burst"')
  })

  it('keys the bucket on the user, whatever the token or the address: a second login is no new bucket', async () => {
    const bob = await signIn(fixture.app, 'bob', '192.0.2.2')
    for (let i = 0; i < 3; i++) await call(bob, '/api/entities/2', `198.51.100.${i + 1}`)
    expect((await call(bob)).statusCode).toBe(429)
    const again = await signIn(fixture.app, 'bob', '192.0.2.3')
    expect((await call(again, '/api/entities/2', '198.51.100.9')).statusCode).toBe(429)
    // Another user, and the address bob came from, have buckets of their own.
    expect((await call(await signIn(fixture.app, 'carol', '192.0.2.4'))).statusCode).toBe(200)
    expect((await call({}, '/api/entities/2', '198.51.100.1')).statusCode).toBe(200)
  })

  it('keys anonymous requests on the address: rotating headers does not bypass it (issue 17)', async () => {
    const statuses = []
    for (let i = 0; i < 6; i++) {
      const response = await call(
        { 'x-api-key': `rotated-${i}`, 'user-agent': `agent-${i}` },
        '/api/entities/2',
        '203.0.113.5',
      )
      statuses.push(response.statusCode)
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429])
    // A made-up token is refused outright, not served under a fresh bucket.
    const forged = await call(
      { authorization: 'Bearer 0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAA' },
      '/api/entities/2',
      '203.0.113.6',
    )
    expect(forged.statusCode).toBe(401)
    expect(forged.headers['www-authenticate']).toMatch(/^Bearer /)
    // Sign-up and log-in are limited by address too: no unbounded password guessing.
    const guesses = []
    for (let i = 0; i < 4; i++) {
      const response = await fixture.app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { name: 'alice', password: `guess number ${i}` },
        remoteAddress: '203.0.113.7',
      })
      guesses.push(response.statusCode)
    }
    expect(guesses).toEqual([401, 401, 401, 429])
  })

  it('keys a bucket on the user id, never on the token, which Redis holds only as its login session', async () => {
    const headers = await signIn(fixture.app, 'dora', '192.0.2.5')
    await call(headers)
    const { userId } = (await call(headers, '/api/me')).json<{ userId: string }>()
    const [, keys] = await fixture.client.scan(
      '0',
      'MATCH',
      `${fixture.keyPrefix}:ratelimit::*`,
      'COUNT',
      1000,
    )
    expect(keys.some((key) => key.includes(`user%3A${userId}}`))).toBe(true)
    const token = headers.authorization.slice('Bearer '.length)
    expect(keys.join(' ')).not.toContain(token)
  })

  it('does not limit health, or the admin listener (metrics, monitoring, the status page)', async () => {
    const health = await fixture.app.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(200)
    expect(health.headers.ratelimit).toBeUndefined()
    for (const url of ['/health', '/metrics', '/monitoring/redis', '/status']) {
      const response = await fixture.admin.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers.ratelimit, url).toBeUndefined()
    }
  })

  it('counts the decisions in the metrics and the report', async () => {
    const report = (await fixture.admin.inject({ method: 'GET', url: '/monitoring/redis' })).json()
    expect(report.rateLimit.rejected).toBeGreaterThanOrEqual(2)
    const metrics = (await fixture.admin.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(
      /^redlayer_ratelimit_decisions_total\{limiter="api",outcome="denied"\} [2-9]\d*$/m,
    )
  })
})
