import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { rateLimitMiddleware } from '../src/express.js'
import { rateLimitPlugin } from '../src/fastify.js'
import { rateLimiter } from '../src/hono.js'
import { rateLimitFixture } from './fixtures.js'
import { ADAPTERS } from './http-servers.js'

// Issue 16: one HTTP suite for the three adapters (Fastify, Express, Hono), over real HTTP.
const get = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/limited`, { headers })
const from = (address: string, extra: Record<string, string> = {}) => ({
  'x-forwarded-for': address,
  ...extra,
})

describe.each(topologiesFromEnv().filter((kind) => kind !== 'sentinel'))('HTTP adapters on %s', (kind) => {
  const topology = useTopology(kind)

  describe.each(Object.entries(ADAPTERS))('%s', (_name, serve) => {
    async function limited(capacity = 2) {
      const f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
      const limiter = f.limiter({
        limits: { name: 'api', capacity, refill: { tokens: capacity, interval: '1h' } },
      })
      return { f, limiter }
    }

    it("sends the draft's headers, then a 429 with Retry-After once the bucket is empty, per client address", async () => {
      const { f, limiter } = await limited()
      await using _f = f
      await using server = await serve({ limiter })
      const first = await get(server.url, from('10.0.0.1'))
      expect(first.status).toBe(200)
      expect(await first.json()).toEqual({ ok: true })
      expect(first.headers.get('ratelimit-policy')).toBe('"api";q=2;w=3600')
      expect(first.headers.get('ratelimit')).toBe('"api";r=1;t=1800')
      expect(first.headers.get('x-ratelimit-limit')).toBeNull()
      await get(server.url, from('10.0.0.1'))
      const refused = await get(server.url, from('10.0.0.1'))
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('1800')
      expect(JSON.stringify(await refused.json())).toContain('Rate limit exceeded, retry in 1800 seconds')
      expect((await get(server.url, from('10.0.0.2'))).status).toBe(200)
    })

    it('sends the x-ratelimit-* headers with headers: legacy, and both sets with both', async () => {
      const { f, limiter } = await limited()
      await using _f = f
      await using legacy = await serve({ limiter, headers: 'legacy' })
      const response = await get(legacy.url, from('10.0.1.1'))
      expect(response.headers.get('x-ratelimit-limit')).toBe('2')
      expect(response.headers.get('x-ratelimit-remaining')).toBe('1')
      expect(response.headers.get('x-ratelimit-reset')).toBe('1800')
      expect(response.headers.get('ratelimit-policy')).toBeNull()
      await get(legacy.url, from('10.0.1.1'))
      const refused = await get(legacy.url, from('10.0.1.1'))
      expect([
        refused.status,
        refused.headers.get('x-ratelimit-remaining'),
        refused.headers.get('retry-after'),
      ]).toEqual([429, '0', '1800'])
      await using both = await serve({ limiter, headers: 'both' })
      const twice = await get(both.url, from('10.0.1.2'))
      expect([twice.headers.get('ratelimit-policy'), twice.headers.get('x-ratelimit-limit')]).toEqual([
        '"api";q=2;w=3600',
        '2',
      ])
    })

    it('groups an IPv6 /64 into one bucket and reads an IPv4-mapped address as its IPv4 one', async () => {
      const { f, limiter } = await limited()
      await using _f = f
      await using server = await serve({ limiter })
      expect((await get(server.url, from('2001:db8:1:2::1'))).status).toBe(200)
      expect((await get(server.url, from('2001:db8:1:2:ffff::9'))).status).toBe(200)
      expect((await get(server.url, from('2001:db8:1:2:abcd::5'))).status).toBe(429)
      expect((await get(server.url, from('2001:db8:1:3::1'))).status).toBe(200) // another /64
      expect((await get(server.url, from('::ffff:10.9.9.9'))).status).toBe(200)
      expect((await get(server.url, from('10.9.9.9'))).status).toBe(200)
      expect((await get(server.url, from('::ffff:10.9.9.9'))).status).toBe(429)
    })

    it('never answers 500 for a request without its subject: the address, skip, or one shared bucket', async () => {
      const { f, limiter } = await limited()
      await using _f = f
      await using byAddress = await serve({ limiter, apiKeySubject: true })
      for (let i = 0; i < 2; i++) expect((await get(byAddress.url, from('10.0.2.1'))).status).toBe(200)
      expect((await get(byAddress.url, from('10.0.2.1'))).status).toBe(429)
      expect((await get(byAddress.url, from('10.0.2.1', { 'x-api-key': 'k1' }))).status).toBe(200)

      await using skipping = await serve({ limiter, apiKeySubject: true, noSubject: 'skip' })
      for (let i = 0; i < 4; i++) expect((await get(skipping.url, from('10.0.2.1'))).status).toBe(200)

      await using shared = await serve({ limiter, apiKeySubject: true, noSubject: 'shared' })
      expect((await get(shared.url, from('10.0.3.1'))).status).toBe(200)
      expect((await get(shared.url, from('10.0.3.2'))).status).toBe(200)
      expect((await get(shared.url, from('10.0.3.3'))).status).toBe(429)
    })

    it('lets the allow list through, and calls onExceeding and onExceeded', async () => {
      const { f, limiter } = await limited(1)
      await using _f = f
      const seen: string[] = []
      await using server = await serve({
        limiter,
        allowList: ['10.0.4.9'],
        onExceeding: (_request, subject) => seen.push(`exceeding ${subject}`),
        onExceeded: (_request, subject) => seen.push(`exceeded ${subject}`),
      })
      for (let i = 0; i < 3; i++) expect((await get(server.url, from('10.0.4.9'))).status).toBe(200)
      expect((await get(server.url, from('10.0.4.1'))).status).toBe(200)
      expect((await get(server.url, from('10.0.4.1'))).status).toBe(429)
      expect(seen).toEqual(['exceeding 10.0.4.1', 'exceeded 10.0.4.1'])
    })
  })

  it('refuses unknown options in one error that lists them, on every adapter', async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({})
    const problems = (build: () => unknown) => {
      try {
        build()
        return []
      } catch (error) {
        return isRedlayerError(error, 'E_INVALID_OPTIONS')
          ? ((error.details?.problems ?? []) as string[])
          : ['not typed']
      }
    }
    const bad = { limiter, max: 100, timeWindow: '1m', headers: 'x' } as never
    expect(problems(() => rateLimitMiddleware(bad)).join('\n')).toMatch(
      /max[\s\S]*timeWindow|timeWindow[\s\S]*max/,
    )
    expect(problems(() => rateLimiter(bad)).join('\n')).toMatch(/headers/)
    const Fastify = (await import('fastify')).default
    const app = Fastify()
    await expect(app.register(rateLimitPlugin, bad).ready()).rejects.toSatisfy(
      (error: unknown) => isRedlayerError(error, 'E_INVALID_OPTIONS') && /max/.test(String(error)),
    )
  })
})
