import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { rateLimitFixture } from './fixtures.js'

// Issue 19: a penalty (rate-limiter-flexible's blockDuration) and a deny list (upstash
// ratelimit-js#109), both decided in the token bucket's one script call (ADR-0012, "Blocks").
const BURST = { name: 'burst', capacity: 3, refill: { tokens: 3, interval: '1s' } }
const HOURLY = { name: 'hourly', capacity: 100, refill: { tokens: 100, interval: '1h' } }

describe.each(topologiesFromEnv())('rate limiter blocks on %s', (kind) => {
  const topology = useTopology(kind)

  it('a refused request starts the penalty: refused whatever the buckets hold until it ends', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const limiter = f.limiter({ limits: [BURST, HOURLY], penalty: { block: '1500ms' }, denyCache: false })
    for (let i = 0; i < 3; i++) expect((await limiter.consume('greedy')).allowed).toBe(true)
    const refused = await limiter.consume('greedy')
    expect(refused).toMatchObject({ allowed: false, violated: ['burst'], degraded: false })
    expect(refused.blocked).toMatchObject({ kind: 'penalty' })
    expect(refused.blocked ? refused.blocked.ms : 0).toBeGreaterThan(1_000)
    expect(refused.retryAfterMs).toBeGreaterThan(1_000)
    // The burst bucket refills within 1 s; the penalty still refuses, and nothing is debited.
    await sleep(1_100)
    const blocked = await limiter.consume('greedy')
    expect(blocked).toMatchObject({ allowed: false, violated: [], blocked: { kind: 'penalty' } })
    expect(blocked.limits.map((limit) => limit.remaining)).toEqual([3, 97])
    expect((await limiter.peek('greedy')).blocked).toMatchObject({ kind: 'penalty' })
    // Another subject is not affected, and the penalty ends by itself.
    expect((await limiter.consume('polite')).allowed).toBe(true)
    await expect
      .poll(async () => (await limiter.consume('greedy')).allowed, { timeout: 5_000, interval: 100 })
      .toBe(true)
    // Without a penalty, the same refusal blocks nothing.
    const lenient = f.limiter({ name: 'lenient', limits: [BURST], denyCache: false })
    for (let i = 0; i < 4; i++) await lenient.consume('greedy')
    expect((await lenient.consume('greedy')).blocked).toBe(false)
  })

  it('deny() refuses a subject for its time, unblock() lifts it at once; every key keeps a TTL', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const limiter = f.limiter({ limits: [BURST, HOURLY], denyCache: false })
    expect((await limiter.consume('mallory')).allowed).toBe(true)
    await limiter.deny('mallory', { for: '10m' })
    const denied = await limiter.consume('mallory')
    expect(denied).toMatchObject({ allowed: false, violated: [], blocked: { kind: 'denied' } })
    expect(denied.retryAfterMs).toBeGreaterThan(590_000)
    expect(denied.limits.map((limit) => limit.remaining)).toEqual([2, 99])
    expect((await limiter.consume('alice')).allowed).toBe(true)
    // The block lives in the subject's first bucket: no key without a TTL, none beyond the block.
    const ttls = [...(await f.bucketTtls()).values()]
    expect(ttls.every((ttl) => ttl > 0 && ttl <= 600_000)).toBe(true)
    expect(Math.max(...ttls)).toBeGreaterThan(590_000)
    await limiter.unblock('mallory')
    const lifted = await limiter.consume('mallory')
    expect(lifted).toMatchObject({ allowed: true, blocked: false })
    expect(lifted.limits.map((limit) => limit.remaining)).toEqual([1, 98])
    // A denial without a time lasts the namespace's maximum TTL (24 h here), and reset lifts it.
    await limiter.deny('mallory')
    const long = await limiter.peek('mallory')
    expect(long.blocked ? long.blocked.ms : 0).toBeGreaterThan(23 * 3_600_000)
    await limiter.reset('mallory')
    expect((await limiter.consume('mallory')).blocked).toBe(false)
    const error = await limiter.deny('mallory', { for: 0 }).catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_INVALID_OPTIONS')).toBe(true)
  })

  it('a refund does not lift a block, and a process answering from its deny cache sees an unblock within 1 s', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const options = { limits: [BURST], penalty: { block: '1m' } }
    const here = f.limiter(options)
    const there = f.limiter(options)
    for (let i = 0; i < 4; i++) await there.consume('bursty')
    expect((await there.consume('bursty')).blocked).toMatchObject({ kind: 'penalty' })
    const refunded = await here.refund('bursty', { cost: 3 })
    expect(refunded).toMatchObject({ allowed: false, blocked: { kind: 'penalty' } })
    await here.unblock('bursty')
    expect((await here.consume('bursty')).allowed).toBe(true)
    // `there` cached the denial; it asks Redis again within a second (the poll allows a busy machine more).
    await expect
      .poll(async () => (await there.consume('bursty')).allowed, { timeout: 3_000, interval: 50 })
      .toBe(true)
  })

  it('refuses a penalty longer than the namespace allows, at construction', async () => {
    await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const error = (() => {
      try {
        f.limiter({ limits: [BURST], penalty: { block: '48h' } })
        return undefined
      } catch (caught) {
        return caught
      }
    })()
    expect(isRedlayerError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect(String((error as Error).message)).toMatch(/penalty\.block/)
  })
})
