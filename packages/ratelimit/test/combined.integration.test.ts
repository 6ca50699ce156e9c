import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { consumeAll, type RateLimiter } from '../src/index.js'
import { type RateLimitFixture, rateLimitFixture } from './fixtures.js'

// Issue 19 (rate-limiter-flexible#150): limits on several subjects (per address and per user)
// decided together, all or nothing: one script call where the keys share a slot (every key off
// Cluster), reserve-then-refund across Cluster slots (ADR-0012, "Combined limits").
const perMinute = (name: string, capacity: number) => ({
  name,
  capacity,
  refill: { tokens: capacity, interval: '1m' },
})

/** A user subject whose buckets share the Cluster slot of `address`'s (found by trying names). */
function userInSlotOf(f: RateLimitFixture, byAddress: RateLimiter, address: string): string {
  const slotOf = (limiter: RateLimiter, subject: string) =>
    calculateSlot(f.keyspace.family('ratelimit', subject).key(limiter.options.name))
  const wanted = slotOf(byAddress, address)
  for (let i = 0; ; i++) if (slotOf(byAddress, `user-${i}`) === wanted) return `user-${i}`
}

describe.each(topologiesFromEnv())('combined limits on %s', (kind) => {
  const topology = useTopology(kind)

  async function setUp() {
    const f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
    const byAddress = f.limiter({ name: 'by-address', limits: perMinute('address', 3), denyCache: false })
    const byUser = f.limiter({
      name: 'by-user',
      limits: perMinute('user', 2),
      penalty: { block: '1m' },
      denyCache: false,
    })
    return { f, byAddress, byUser }
  }

  it('one script call decides both, all or nothing: a refusal by one charges the other nothing', async () => {
    const { f, byAddress, byUser } = await setUp()
    await using _ = f
    const user = userInSlotOf(f, byAddress, '203.0.113.7')
    const parts = [
      { limiter: byAddress, subject: '203.0.113.7' },
      { limiter: byUser, subject: user },
    ]
    const before = await f.scriptCalls()
    const admitted = [await consumeAll(parts), await consumeAll(parts)]
    expect(admitted.map((result) => [result.allowed, result.mode])).toEqual([
      [true, 'atomic'],
      [true, 'atomic'],
    ])
    const refused = await consumeAll(parts)
    expect((await f.scriptCalls()) - before).toBe(3)
    expect(refused).toMatchObject({ allowed: false, mode: 'atomic' })
    expect(refused.retryAfterMs).toBeGreaterThan(0)
    expect(refused.results.map((result) => result.violated)).toEqual([[], ['user']])
    // The address kept its third token; the user's own refusal started its penalty, not the address's.
    expect((await byAddress.peek('203.0.113.7')).remaining).toBe(1)
    expect(refused.results[1]?.blocked).toMatchObject({ kind: 'penalty' })
    expect((await byAddress.peek('203.0.113.7')).blocked).toBe(false)
  })

  it("every part's block refuses the whole request", async () => {
    const { f, byAddress, byUser } = await setUp()
    await using _ = f
    const user = userInSlotOf(f, byAddress, '198.51.100.1')
    await byAddress.deny('198.51.100.1', { for: '1m' })
    const refused = await consumeAll([
      { limiter: byAddress, subject: '198.51.100.1' },
      { limiter: byUser, subject: user },
    ])
    expect(refused).toMatchObject({ allowed: false })
    expect(refused.results[0]?.blocked).toMatchObject({ kind: 'denied' })
    expect((await byUser.peek(user)).remaining).toBe(2)
  })

  it('subjects in different slots are exact too: on Cluster reserve-then-refund, elsewhere one call', async () => {
    const { f, byAddress, byUser } = await setUp()
    await using _ = f
    // Two subjects whose slots differ on Cluster (off Cluster every key is in one call).
    const slot = (limiter: RateLimiter, subject: string) =>
      calculateSlot(f.keyspace.family('ratelimit', subject).key(limiter.options.name))
    let user = 'user-0'
    for (let i = 1; slot(byUser, user) === slot(byAddress, '192.0.2.9'); i++) user = `user-${i}`
    const parts = [
      { limiter: byAddress, subject: '192.0.2.9' },
      { limiter: byUser, subject: user, cost: 2 },
    ]
    const expected = kind === 'cluster' ? 'reserve-then-refund' : 'atomic'
    expect(await consumeAll(parts)).toMatchObject({ allowed: true, mode: expected })
    const refused = await consumeAll(parts)
    expect(refused).toMatchObject({ allowed: false, mode: expected })
    expect(refused.results.every((result) => !result.allowed)).toBe(true)
    // The address's token was given back (or never taken): one taken in all.
    expect((await byAddress.peek('192.0.2.9')).remaining).toBe(2)
  })

  it('under 40 concurrent requests the tighter limit admits exactly its capacity, and nothing leaks', async () => {
    const { f, byAddress } = await setUp()
    await using _ = f
    const byUser = f.limiter({ name: 'wide', limits: perMinute('user', 20), denyCache: false })
    const sameSlot = userInSlotOf(f, byAddress, '10.0.0.1')
    for (const user of [sameSlot, 'another-user']) {
      const address = user === sameSlot ? '10.0.0.1' : '10.0.0.2'
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          consumeAll([
            { limiter: byAddress, subject: address },
            { limiter: byUser, subject: user },
          ]),
        ),
      )
      const admitted = results.filter((result) => result.allowed).length
      // Atomic: exactly the tighter capacity. Reserve-then-refund: a request may be refused while
      // another holds tokens it gives back later (ADR-0012), so at most that, never more.
      if (results[0]?.mode === 'atomic') expect(admitted).toBe(3)
      else expect(admitted).toBeLessThanOrEqual(3)
      // Every refusal gave back what it took: each limit charged exactly the admitted requests.
      expect((await byUser.peek(user)).remaining).toBe(20 - admitted)
      expect((await byAddress.peek(address)).remaining).toBe(3 - admitted)
    }
  })

  it('bad parts are refused before anything is sent', async () => {
    const { f, byAddress, byUser } = await setUp()
    await using _ = f
    const before = await f.scriptCalls()
    const errors = await Promise.all([
      consumeAll([]).catch((error: unknown) => error),
      consumeAll([
        { limiter: byAddress, subject: 'x' },
        { limiter: byAddress, subject: 'x' },
      ]).catch((error: unknown) => error),
      consumeAll([
        { limiter: byAddress, subject: 'x' },
        { limiter: byUser, subject: 'y', cost: -1 },
      ]).catch((error: unknown) => error),
      consumeAll([
        { limiter: byAddress, subject: 'x' },
        { limiter: byUser, subject: 'y', cost: 5 },
      ]).catch((error: unknown) => error),
    ])
    expect(errors.map((error) => (isRedlayerError(error) ? error.code : String(error)))).toEqual([
      'E_INVALID_OPTIONS',
      'E_INVALID_OPTIONS',
      'E_INVALID_COST',
      'E_COST_EXCEEDS_CAPACITY',
    ])
    expect(await f.scriptCalls()).toBe(before)
  })
})
