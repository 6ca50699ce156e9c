import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, mastersOf } from '@redlayer/connection'
import { startTopology, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it, vi } from 'vitest'
import type { RateLimiter } from '../src/index.js'
import { type RateLimitFixture, rateLimitFixture } from './fixtures.js'

const HOUR = 3_600_000

async function expectEveryKeyExpires(f: RateLimitFixture): Promise<number> {
  const ttls = await f.bucketTtls()
  for (const [key, ttl] of ttls) expect(ttl, key).toBeGreaterThan(0)
  return ttls.size
}

async function consumeAll(limiter: RateLimiter<'ratelimit'>, subject: string, count: number, cost = 1) {
  const results = await Promise.all(Array.from({ length: count }, () => limiter.consume(subject, { cost })))
  return results.filter((result) => result.allowed).length
}

// Decisions here must be Redis's: with a 300 ms command timeout, one late reply on a loaded
// machine opens the breaker (ADR-0013's hang rule) and the calls after it are fail-open decisions.
const ROOMY = { commandTimeoutMs: 2_000 }

describe.each(topologiesFromEnv())('rate limiter on %s', (kind) => {
  const topology = useTopology(kind)

  it('admits the capacity, then denies with the wait of one token, and counts down remaining', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'burst', capacity: 3, refill: { tokens: 1, interval: '1h' } },
    })
    const first = await limiter.consume('alice')
    expect(first).toMatchObject({
      allowed: true,
      limit: 3,
      remaining: 2,
      retryAfterMs: 0,
      violated: [],
      degraded: false,
    })
    expect(first.resetMs).toBeGreaterThan(HOUR - 1_000)
    expect(first.resetMs).toBeLessThanOrEqual(HOUR)
    expect((await limiter.consume('alice')).remaining).toBe(1)
    expect((await limiter.consume('alice')).remaining).toBe(0)
    const denied = await limiter.consume('alice')
    expect(denied).toMatchObject({ allowed: false, remaining: 0, violated: ['burst'], degraded: false })
    expect(denied.retryAfterMs).toBeGreaterThan(HOUR - 1_000)
    expect(denied.retryAfterMs).toBeLessThanOrEqual(HOUR)
    // Another subject has buckets of its own.
    expect((await limiter.consume('bob')).remaining).toBe(2)
  })

  it('admits exactly the capacity out of many concurrent calls', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'burst', capacity: 50, refill: { tokens: 50, interval: '1h' } },
      denyCache: false,
    })
    expect(await consumeAll(limiter, 'crowd', 200)).toBe(50)
  })

  it('keeps fractional refill exactly: a client waiting retryAfterMs is then admitted', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    // 3 tokens every 700 ms: a token every 233.33 ms, never a whole number of milliseconds.
    const limiter = f.limiter({
      limits: { name: 'odd', capacity: 2, refill: { tokens: 3, interval: 700 } },
      denyCache: false,
    })
    expect(await consumeAll(limiter, 'patient', 2)).toBe(2)
    for (let round = 0; round < 4; round++) {
      const denied = await limiter.consume('patient')
      expect(denied.allowed).toBe(false)
      expect(denied.retryAfterMs).toBeGreaterThan(0)
      expect(denied.retryAfterMs).toBeLessThanOrEqual(234)
      await sleep(denied.retryAfterMs)
      const admitted = await limiter.consume('patient')
      expect(admitted.allowed, `round ${round} after ${denied.retryAfterMs} ms`).toBe(true)
    }
  })

  it('refuses a weighted request without consuming anything', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'bytes', capacity: 10, refill: { tokens: 1, interval: '1h' } },
    })
    expect(await limiter.consume('w', { cost: 7 })).toMatchObject({ allowed: true, remaining: 3 })
    for (let i = 0; i < 5; i++) {
      const refused = await limiter.consume('w', { cost: 5 })
      expect(refused).toMatchObject({ allowed: false, remaining: 3, violated: ['bytes'] })
    }
    expect((await limiter.peek('w')).remaining).toBe(3)
    expect(await limiter.consume('w', { cost: 2.5 })).toMatchObject({ allowed: true, remaining: 0 })
    // Half a token is left: a request for one whole token waits for the other half.
    const last = await limiter.consume('w', { cost: 1 })
    expect(last.allowed).toBe(false)
    expect(last.retryAfterMs).toBeGreaterThan(HOUR / 2 - 1_000)
    expect(last.retryAfterMs).toBeLessThanOrEqual(HOUR / 2)
    expect(await limiter.consume('w', { cost: 0.5 })).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('checks several limits all-or-nothing and names the violated one', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: [
        // 500 ms a token: the ten concurrent calls below must all be decided before one comes
        // back, also on a loaded machine (at 100 ms a token, a slow burst on Cluster admitted 5).
        { name: 'burst', capacity: 4, refill: { tokens: 4, interval: 2_000 } },
        { name: 'hourly', capacity: 6, refill: { tokens: 6, interval: '1h' } },
      ],
      denyCache: false,
    })
    expect(await consumeAll(limiter, 'm', 10)).toBe(4)
    const burstDenied = await limiter.consume('m')
    expect(burstDenied.violated).toEqual(['burst'])
    expect(burstDenied.limits.find((l) => l.name === 'hourly')).toMatchObject({
      remaining: 2,
      violated: false,
    })
    const burstFullInMs = burstDenied.limits.find((l) => l.name === 'burst')?.resetMs ?? 2_000
    await sleep(burstFullInMs + 100) // the burst bucket is full again
    const heavy = await limiter.consume('m', { cost: 3 })
    expect(heavy).toMatchObject({ allowed: false, violated: ['hourly'], limit: 6, remaining: 2 })
    // The refused call took nothing from the burst bucket either.
    expect((await limiter.peek('m')).limits.map((l) => l.remaining)).toEqual([4, 2])
    expect(await limiter.consume('m', { cost: 2 })).toMatchObject({ allowed: true, remaining: 0, limit: 6 })
    expect((await limiter.consume('m')).violated).toEqual(['hourly'])
    await expectEveryKeyExpires(f)
  })

  it('keeps a TTL equal to the time until full on every key after every operation', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: [
        { name: 'second', capacity: 10, refill: { tokens: 10, interval: '1s' } },
        { name: 'hour', capacity: 100, refill: { tokens: 100, interval: '1h' } },
      ],
    })
    const keys = () => f.bucketTtls()
    await limiter.consume('ttl', { cost: 4 })
    const ttls = [...(await keys()).values()].sort((a, b) => a - b)
    expect(ttls).toHaveLength(2)
    expect(ttls[0]).toBeGreaterThan(0)
    expect(ttls[0]).toBeLessThanOrEqual(400) // 4 tokens at 10 per second
    expect(ttls[1]).toBeGreaterThan(4 * 36_000 - 1_000)
    expect(ttls[1]).toBeLessThanOrEqual(4 * 36_000) // 4 tokens at 100 per hour
    for (const step of [
      () => limiter.consume('ttl', { cost: 6 }),
      () => limiter.consume('ttl', { cost: 10 }), // refused
      () => limiter.peek('ttl'),
      () => limiter.refund('ttl', { cost: 2 }),
      () => limiter.consume('ttl', { cost: 0.25 }),
    ]) {
      await step()
      expect(await expectEveryKeyExpires(f)).toBeGreaterThan(0)
    }
    // A bucket that is full again is deleted rather than kept: refunding everything leaves no key.
    await limiter.refund('ttl', { cost: 100 })
    expect((await keys()).size).toBe(0)
  })

  it('stores a bucket as two doubles and replaces a value that is not one', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'burst', capacity: 5, refill: { tokens: 1, interval: '1h' } },
    })
    const limit = limiter.limits[0] ?? expect.unreachable()
    const key = f.keyspace.family('ratelimit', 'odd').key(limiter.options.name, limit.name, limit.signature)
    await f.redis.set(key, 'not a bucket')
    // A foreign value counts as a full bucket, and the write replaces it with a state that expires.
    expect(await limiter.consume('odd', { cost: 2 })).toMatchObject({ allowed: true, remaining: 3 })
    const state = (await f.redis.getBuffer(key)) ?? expect.unreachable()
    const [seconds, micros] = await f.redis.time()
    const now = Number(seconds) * 1_000_000 + Number(micros)
    expect(state).toHaveLength(16)
    expect(state.readDoubleLE(0)).toBe(3 * limit.unitsPerToken)
    expect(state.readDoubleLE(8)).toBeLessThanOrEqual(now)
    expect(state.readDoubleLE(8)).toBeGreaterThan(now - 60_000_000)
    expect(await f.redis.pttl(key)).toBeGreaterThan(2 * HOUR - 60_000)
    // A peek of a foreign value leaves nothing behind: the bucket is full, so the key is deleted.
    await f.redis.set(key, 'not a bucket')
    expect((await limiter.peek('odd')).remaining).toBe(5)
    expect(await f.redis.exists(key)).toBe(0)
  })

  it('ignores the client clock: a Date.now() hours off changes nothing', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const options = {
      limits: { name: 'burst', capacity: 6, refill: { tokens: 1, interval: '1h' } },
      denyCache: false as const,
    }
    const honest = f.limiter(options)
    const skewed = f.limiter(options)
    const realNow = Date.now.bind(Date)
    let admitted = 0
    try {
      for (let i = 0; i < 6; i++) {
        const offset = (i % 2 === 0 ? 1 : -1) * 5 * HOUR
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset)
        if ((await skewed.consume('clock')).allowed) admitted += 1
        vi.restoreAllMocks()
        if ((await honest.consume('clock')).allowed) admitted += 1
      }
    } finally {
      vi.restoreAllMocks()
    }
    expect(admitted).toBe(6)
    expect((await honest.peek('clock')).remaining).toBe(0)
  })

  it('survives SCRIPT FLUSH (EVALSHA falls back to EVAL) with the bucket intact', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({})
    expect((await limiter.consume('flush')).remaining).toBe(4)
    for (const master of mastersOf(f.redis)) await master.script('FLUSH')
    expect(await limiter.consume('flush')).toMatchObject({ allowed: true, remaining: 3, degraded: false })
    for (const master of mastersOf(f.redis)) await master.script('FLUSH')
    expect((await limiter.peek('flush')).remaining).toBe(3)
  })

  it('answers a known denial from the deny cache without a Redis call, until the wait is over', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'burst', capacity: 2, refill: { tokens: 2, interval: 600 } },
    })
    expect(await consumeAll(limiter, 'spam', 2)).toBe(2)
    const denied = await limiter.consume('spam')
    expect(denied.allowed).toBe(false)
    const before = await f.scriptCalls()
    for (let i = 0; i < 20; i++) {
      const cached = await limiter.consume('spam')
      expect(cached.allowed).toBe(false)
      expect(cached.retryAfterMs).toBeGreaterThan(0)
      expect(cached.retryAfterMs).toBeLessThanOrEqual(denied.retryAfterMs)
    }
    expect(await f.scriptCalls()).toBe(before)
    const hits = await f.metrics.rateLimitDenyCacheHits.get()
    expect(hits.values[0]?.value).toBe(20)
    await sleep(denied.retryAfterMs)
    expect((await limiter.consume('spam')).allowed).toBe(true)
    expect(await f.scriptCalls()).toBe(before + 1)
  })

  it('forgets a cached denial on refund and on reset', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      limits: { name: 'burst', capacity: 2, refill: { tokens: 1, interval: '1h' } },
    })
    expect(await consumeAll(limiter, 'r', 3)).toBe(2)
    expect((await limiter.consume('r')).allowed).toBe(false)
    expect(await limiter.refund('r')).toMatchObject({ allowed: true, remaining: 1 })
    expect(await limiter.consume('r')).toMatchObject({ allowed: true, remaining: 0 })
    expect((await limiter.consume('r')).allowed).toBe(false)
    await limiter.reset('r')
    expect((await f.bucketTtls()).size).toBe(0)
    expect(await limiter.consume('r')).toMatchObject({ allowed: true, remaining: 1 })
  })

  it('rejects a bad cost with a typed error before any Redis call', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({})
    const before = await f.scriptCalls()
    for (const cost of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(limiter.consume('bad', { cost })).rejects.toSatisfy((e) =>
        isRedlayerError(e, 'E_INVALID_COST'),
      )
    }
    await expect(limiter.consume('bad', { cost: 6 })).rejects.toSatisfy((e) =>
      isRedlayerError(e, 'E_COST_EXCEEDS_CAPACITY'),
    )
    expect(await f.scriptCalls()).toBe(before)
  })

  it('keeps the buckets of two limiters apart, even with limits of the same name', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const login = f.limiter({ name: 'login' })
    const search = f.limiter({ name: 'search' })
    expect(await consumeAll(login, 'same-user', 5)).toBe(5)
    expect((await login.consume('same-user')).allowed).toBe(false)
    expect((await search.consume('same-user')).remaining).toBe(4)
    expect((await f.bucketTtls()).size).toBe(2)
  })

  it('stops at an aborted signal without calling Redis', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({})
    const before = await f.scriptCalls()
    const signal = AbortSignal.abort(new Error('client went away'))
    await expect(limiter.consume('gone', { signal })).rejects.toThrow('client went away')
    await expect(limiter.peek('gone', { signal })).rejects.toThrow('client went away')
    expect(await f.scriptCalls()).toBe(before)
    expect((await limiter.consume('gone', { signal: new AbortController().signal })).remaining).toBe(4)
  })

  it('counts decisions by limiter and outcome', async () => {
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({
      name: 'login',
      limits: { name: 'burst', capacity: 2, refill: { tokens: 1, interval: '1h' } },
    })
    await consumeAll(limiter, 'metrics', 5)
    const decisions = await f.metrics.rateLimitDecisions.get()
    const count = (outcome: string) =>
      decisions.values.find((v) => v.labels.limiter === 'login' && v.labels.outcome === outcome)?.value
    expect(count('allowed')).toBe(2)
    expect(count('denied')).toBe(3)
  })
})

describe('rate limiter across a Redis restart', () => {
  it('works again after a restart emptied the script cache', async () => {
    await using topology = await startTopology('standalone')
    await using f = await rateLimitFixture(topology, ROOMY)
    const limiter = f.limiter({})
    expect((await limiter.consume('restart')).degraded).toBe(false)
    await topology.server.restart()
    // Until the client has reconnected, decisions are degraded (fail-open); then Redis decides again.
    await expect
      .poll(async () => (await limiter.consume('restart')).degraded, { timeout: 15_000, interval: 100 })
      .toBe(false)
    expect(await expectEveryKeyExpires(f)).toBe(1)
  })
})
