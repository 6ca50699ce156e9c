import { MAX_BATCH_CALLS as MAX_BATCH } from '@redlayer/connection/internal'
import { fillMemory, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { rateLimitFixture } from './fixtures.js'

// Issue 18: a tick's first decision leaves at once, the ones after it share one script call per
// hash slot, and each gets what the one-decision script would have given it.
const ROOMY = { commandTimeoutMs: 2_000 }
const HOURLY = { capacity: 25, refill: { tokens: 25, interval: '1h' } } as const

describe.each(topologiesFromEnv())('rate-limit decisions of one tick on %s', (kind) => {
  const topology = useTopology(kind)

  it('after the first, share one script call on one subject, and admit exactly the capacity, in order', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({ name: 'one-tick', limits: { name: 'burst', ...HOURLY } })
    const before = await f.scriptCalls()
    // 40 calls in one tick: the first at once, 39 in batches of at most MAX_BATCH.
    const results = await Promise.all(Array.from({ length: 40 }, () => limiter.consume('one')))
    expect(await f.scriptCalls()).toBe(before + 1 + Math.ceil(39 / MAX_BATCH))
    // In the order they were asked: the first 25 admitted, counting down, then 15 denied.
    expect(results.map((r) => r.allowed)).toEqual([...Array(25).fill(true), ...Array(15).fill(false)])
    expect(results.slice(0, 25).map((r) => r.remaining)).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i))
    for (const denied of results.slice(25)) {
      expect(denied).toMatchObject({ remaining: 0, degraded: false })
      expect(denied.retryAfterMs).toBeGreaterThan(0)
    }
    // The state is what 25 consumes one at a time leave.
    expect((await limiter.peek('one')).remaining).toBe(0)
  })

  it('share one call per slot over many subjects, each subject its own buckets', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({ name: 'many', limits: { name: 'burst', ...HOURLY } })
    const subjects = Array.from({ length: 30 }, (_, i) => `subject-${i}`)
    const before = await f.scriptCalls()
    const results = await Promise.all(subjects.flatMap((s) => [limiter.consume(s), limiter.consume(s)]))
    const calls = (await f.scriptCalls()) - before
    if (kind === 'cluster') {
      const keys = [...(await f.bucketTtls()).keys()]
      const slots = new Set(keys.map((key) => calculateSlot(key)))
      // The first decision, then at least one call per slot met in the tick.
      expect(calls).toBeLessThanOrEqual(1 + slots.size + Math.ceil(59 / MAX_BATCH))
      expect(calls).toBeLessThan(60)
    } else {
      expect(calls).toBe(1 + Math.ceil(59 / MAX_BATCH))
    }
    expect(results.every((r) => r.allowed)).toBe(true)
    expect(results.map((r) => r.remaining)).toEqual(subjects.flatMap(() => [24, 23]))
    for (const s of subjects) expect((await limiter.peek(s)).remaining).toBe(23)
  })

  it('are split into calls of at most MAX_BATCH decisions', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      name: 'big-tick',
      limits: { name: 'burst', capacity: 1_000, refill: { tokens: 1_000, interval: '1h' } },
    })
    const before = await f.scriptCalls()
    const count = 2 * MAX_BATCH + 1
    const results = await Promise.all(Array.from({ length: count }, () => limiter.consume('crowd')))
    // The first alone, then two full batches.
    expect(await f.scriptCalls()).toBe(before + 3)
    expect(results.map((r) => r.remaining)).toEqual(Array.from({ length: count }, (_, i) => 999 - i))
  })

  it('fail one by one when Redis refuses writes: a decision that writes nothing still answers', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      name: 'full',
      onRedisDown: 'fail-closed',
      limits: { name: 'burst', ...HOURLY },
    })
    expect((await limiter.consume('warm-up')).degraded).toBe(false)
    await using _full = await fillMemory(topology.processes)
    // One tick, one subject (one slot): a peek of a full bucket writes nothing, a consume must.
    const [peeked, consumed, peekedAgain] = await Promise.all([
      limiter.peek('mixed'),
      limiter.consume('mixed'),
      limiter.peek('mixed'),
    ])
    expect(peeked).toMatchObject({ allowed: true, remaining: 25, degraded: false })
    expect(consumed.degraded).toEqual({ mode: 'fail-closed', reason: 'refused', outcome: 'not-applied' })
    expect(consumed.allowed).toBe(false)
    // The refused consume took nothing: the decision after it in the same call sees a full bucket.
    expect(peekedAgain).toMatchObject({ allowed: true, remaining: 25, degraded: false })
    expect(f.guard.state).toBe('closed')
  })
})
