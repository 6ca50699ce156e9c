import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { rateLimitPlugin } from '../src/fastify.js'
import type { RateLimiter } from '../src/index.js'
import { rateLimitFixture } from './fixtures.js'

// Issue 19, dynamic limits: a limiter with tiers (plans) chooses a subject's limits at decision
// time, from the app's own data, in the same one script call (ADR-0012, "Tiers").
const perMinute = (name: string, capacity: number) => ({
  name,
  capacity,
  refill: { tokens: capacity, interval: '1m' },
})
const BURST = { name: 'burst', capacity: 3, refill: { tokens: 3, interval: '1m' } }

async function admitted(limiter: RateLimiter, subject: string, calls: number, options = {}) {
  let count = 0
  for (let i = 0; i < calls; i++) if ((await limiter.consume(subject, options)).allowed) count += 1
  return count
}

describe.each(topologiesFromEnv())('rate limiter tiers on %s', (kind) => {
  const topology = useTopology(kind)

  it("each subject is decided by its tier's limits, its plan read at decision time, in one script call", async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const plans = new Map<string, string>([['bob', 'pro']])
    const limiter = f.limiter({
      limits: perMinute('requests', 2),
      tiers: { pro: perMinute('requests', 5), partner: [perMinute('requests', 50), BURST] },
      tierOf: (subject) => plans.get(String(subject)),
      denyCache: false,
    })
    const before = await f.scriptCalls()
    expect(await admitted(limiter, 'alice', 4)).toBe(2) // no plan: the default limits
    expect(await admitted(limiter, 'bob', 7)).toBe(5) // pro
    // One script call per decision: choosing the tier costs no round trip of its own.
    expect((await f.scriptCalls()) - before).toBe(11)
    expect(await limiter.consume('bob')).toMatchObject({ allowed: false, limit: 5, violated: ['requests'] })
    // The plan changes at run time, without a restart: alice's next decisions are pro ones, on
    // the pro limit's own bucket (other settings, so it starts full).
    plans.set('alice', 'pro')
    expect(await admitted(limiter, 'alice', 6)).toBe(5)
    // A call's tier wins over tierOf; a tier with two limits checks both, all or nothing.
    expect(await admitted(limiter, 'bob', 4, { tier: 'partner' })).toBe(3)
    const partner = await limiter.consume('bob', { tier: 'partner' })
    expect(partner).toMatchObject({ allowed: false, violated: ['burst'] })
    expect(partner.limits.map((limit) => [limit.name, limit.remaining])).toEqual([
      ['requests', 47],
      ['burst', 0],
    ])
  })

  it('tiers that share a limit (same name and settings) share its bucket; an async tierOf works', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const plans = new Map<string, string>()
    const limiter = f.limiter({
      limits: [BURST, perMinute('total', 10)],
      tiers: { pro: [BURST, perMinute('total', 1_000)] },
      tierOf: async (subject) => plans.get(String(subject)),
      denyCache: false,
    })
    expect(await admitted(limiter, 'carol', 2)).toBe(2)
    plans.set('carol', 'pro')
    // The burst level carries over (1 left), the total limit is pro's.
    const upgraded = await limiter.consume('carol')
    expect(upgraded.limits.map((limit) => [limit.name, limit.remaining])).toEqual([
      ['burst', 0],
      ['total', 999],
    ])
    expect((await limiter.consume('carol')).violated).toEqual(['burst'])
  })

  it('deny, unblock and reset act on every tier; a cached denial of one tier never answers for another', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const limiter = f.limiter({
      limits: perMinute('requests', 1),
      tiers: { pro: perMinute('requests', 4) },
    })
    expect((await limiter.consume('dave')).allowed).toBe(true)
    expect((await limiter.consume('dave')).allowed).toBe(false) // remembered by the deny cache
    const before = await f.scriptCalls()
    expect((await limiter.consume('dave', { tier: 'pro' })).allowed).toBe(true)
    expect((await f.scriptCalls()) - before).toBe(1) // went to Redis, not to the default tier's entry
    await limiter.deny('dave', { for: '1m' })
    for (const tier of [undefined, 'pro']) {
      const result = await limiter.consume('dave', tier === undefined ? {} : { tier })
      expect(result).toMatchObject({ allowed: false, blocked: { kind: 'denied' } })
    }
    await limiter.unblock('dave')
    expect((await limiter.consume('dave', { tier: 'pro' })).allowed).toBe(true)
    await limiter.reset('dave')
    expect((await limiter.peek('dave')).remaining).toBe(1)
    expect((await limiter.peek('dave', { tier: 'pro' })).remaining).toBe(4)
  })

  it('a tier that does not exist is a typed error before any Redis call', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const limiter = f.limiter({
      limits: perMinute('requests', 2),
      tiers: { pro: perMinute('requests', 5) },
      tierOf: () => 'gold',
    })
    const before = await f.scriptCalls()
    const fromTierOf = await limiter.consume('erin').catch((error: unknown) => error)
    const fromCall = await limiter.consume('erin', { tier: 'platinum' }).catch((error: unknown) => error)
    expect(isRedlayerError(fromTierOf, 'E_INVALID_OPTIONS')).toBe(true)
    expect(isRedlayerError(fromCall, 'E_INVALID_OPTIONS')).toBe(true)
    expect(await f.scriptCalls()).toBe(before)
  })

  it("the HTTP adapters take a request's tier, and its headers show that tier's policy", async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const limiter = f.limiter({ limits: perMinute('api', 2), tiers: { pro: perMinute('api', 100) } })
    const app = Fastify()
    await app.register(rateLimitPlugin, {
      limiter,
      tier: (request) => (request.headers['x-plan'] === 'pro' ? 'pro' : undefined),
    })
    app.get('/', async () => 'ok')
    try {
      const free = await app.inject({ method: 'GET', url: '/', remoteAddress: '10.0.0.1' })
      const pro = await app.inject({
        method: 'GET',
        url: '/',
        remoteAddress: '10.0.0.2',
        headers: { 'x-plan': 'pro' },
      })
      expect(free.headers['ratelimit-policy']).toBe('"api";q=2;w=60')
      expect(pro.headers['ratelimit-policy']).toBe('"api";q=100;w=60')
    } finally {
      await app.close()
    }
  })
})
