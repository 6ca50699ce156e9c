import { migrateSlotUnderUse, serverErrorCounts, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { rateLimitFixture } from './fixtures.js'

// ADR-0015: on a Cluster a subject's buckets (one per limit) share a slot, so every decision is
// one script on one node, and a slot moved by hand under the limiter (ASK, then MOVED) loses no
// token and grants none twice.
const LIMITS = [
  { name: 'burst', capacity: 10, refill: { tokens: 10, interval: '1h' } },
  { name: 'sustained', capacity: 100, refill: { tokens: 100, interval: '1d' } },
] as const

describe.runIf(topologiesFromEnv().includes('cluster'))('rate limiter on a Cluster', () => {
  const topology = useTopology('cluster')

  it('consumes, peeks, refunds and resets multi-limit buckets of many subjects without one CROSSSLOT', async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({ limits: LIMITS })
    const before = (await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0
    const subjects = Array.from({ length: 30 }, (_, i) => `user-${i}`)
    for (const subject of subjects) {
      expect(await limiter.consume(subject, { cost: 3 })).toMatchObject({ allowed: true, degraded: false })
      expect((await limiter.refund(subject)).degraded).toBe(false)
      expect((await limiter.peek(subject)).limits.map((limit) => limit.remaining)).toEqual([8, 98])
      await limiter.reset(subject)
      expect((await limiter.peek(subject)).limits.map((limit) => limit.remaining)).toEqual([10, 100])
    }
    expect((await serverErrorCounts(topology.processes)).CROSSSLOT ?? 0).toBe(before)
  })

  it('keeps a subject exact through a slot migration: ASK while its buckets move, MOVED after', async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({ limits: LIMITS })
    expect((await limiter.consume('moving', { cost: 2 })).remaining).toBe(8)
    let granted = 2
    const redirects = await migrateSlotUnderUse(
      topology.cluster,
      f.keyspace.family('ratelimit', 'moving').key('x'),
      async () => {
        const result = await limiter.consume('moving')
        // Every bucket of the subject moved together, so the script runs on the new owner (ASK).
        expect(result).toMatchObject({ allowed: true, degraded: false })
        granted++
      },
    )
    expect((await limiter.peek('moving')).limits.map((limit) => limit.remaining)).toEqual([
      10 - granted,
      100 - granted,
    ])
    expect(redirects.ask).toBeGreaterThan(0)
    expect(redirects.moved).toBeGreaterThan(0)
    expect(redirects.errors.CROSSSLOT).toBeUndefined()
  })
})
