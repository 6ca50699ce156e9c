import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppFixture, startAppFixture } from './app-fixture.js'

// ADR-0012: every API route is limited per client (API key or address), with the IETF RateLimit
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

const call = (apiKey: string, url = '/api/entities/2') =>
  fixture.app.inject({ method: 'GET', url, headers: { 'x-api-key': apiKey } })

describe('the API rate limit', () => {
  it('sends the RateLimit headers, then 429 with Retry-After and a JSON body once the bucket is empty', async () => {
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await call('client-a'))
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

  it('keeps one bucket per client: another API key, or no key (the address), is not affected', async () => {
    for (let i = 0; i < 3; i++) await call('client-b')
    expect((await call('client-b')).statusCode).toBe(429)
    expect((await call('client-c')).statusCode).toBe(200)
    const anonymous = await fixture.app.inject({ method: 'GET', url: '/api/entities/2' })
    expect(anonymous.statusCode).toBe(200)
  })

  it('stores no API key in Redis: bucket keys carry a digest of it', async () => {
    await call('very-secret-api-key')
    const [, keys] = await fixture.client.scan(
      '0',
      'MATCH',
      `${fixture.keyPrefix}:ratelimit::*`,
      'COUNT',
      1000,
    )
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.join(' ')).not.toContain('very-secret-api-key')
  })

  it('does not limit health, metrics, monitoring or the status page', async () => {
    for (const url of ['/health', '/metrics', '/monitoring/redis', '/status']) {
      const response = await fixture.app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers.ratelimit, url).toBeUndefined()
    }
  })

  it('counts the decisions in the metrics and the report', async () => {
    const report = (await fixture.app.inject({ method: 'GET', url: '/monitoring/redis' })).json()
    expect(report.rateLimit.rejected).toBeGreaterThanOrEqual(2)
    const metrics = (await fixture.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(
      /^redlayer_ratelimit_decisions_total\{limiter="api",outcome="denied"\} [2-9]\d*$/m,
    )
  })
})
