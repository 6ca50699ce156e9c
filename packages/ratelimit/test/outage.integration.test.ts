import { performance } from 'node:perf_hooks'
import { type Topology, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { type RateLimitResult, type RedisDownMode, rateLimitHeaders } from '../src/index.js'
import { type RateLimitFixture, rateLimitFixture } from './fixtures.js'

const kinds = topologiesFromEnv().filter((kind) => kind !== 'sentinel')

interface Timed {
  result: RateLimitResult
  ms: number
}

/** Decides `count` times in a row for one subject while every Redis process is stopped (SIGSTOP). */
async function whileStopped(topology: Topology, f: RateLimitFixture, mode: RedisDownMode, count: number) {
  const limiter = f.limiter({
    name: mode,
    onRedisDown: mode,
    instances: 2,
    limits: { name: 'burst', capacity: 10, refill: { tokens: 10, interval: '1h' } },
  })
  expect((await limiter.consume('warm-up')).degraded).toBe(false)
  const shortCircuitsBefore = await total(f, 'breakerShortCircuits')
  for (const process of topology.processes) process.pause()
  const decisions: Timed[] = []
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const result = await limiter.consume('during-outage')
      decisions.push({ result, ms: performance.now() - started })
    }
  } finally {
    for (const process of topology.processes) process.resume()
  }
  const shortCircuits = (await total(f, 'breakerShortCircuits')) - shortCircuitsBefore
  return { limiter, decisions, shortCircuits }
}

async function total(
  f: RateLimitFixture,
  name: 'breakerShortCircuits' | 'rateLimitDegraded',
): Promise<number> {
  const metric = await f.metrics[name].get()
  return metric.values.reduce((sum, value) => sum + value.value, 0)
}

/** Every decision says it was degraded and why; once the breaker is open, none touches the socket. */
function expectDegraded(decisions: readonly Timed[], mode: RedisDownMode, shortCircuits: number) {
  for (const { result } of decisions) expect(result.degraded).toMatchObject({ mode })
  const reasons = decisions.map(({ result }) => (result.degraded === false ? 'none' : result.degraded.reason))
  expect(reasons[0]).toBe('timeout')
  expect(reasons.at(-1)).toBe('open')
  // ADR-0013: a timed-out decision may still spend its tokens when Redis resumes; an open
  // breaker's never reached Redis.
  const outcome = (i: number) => {
    const degraded = decisions[i]?.result.degraded
    return degraded === false || degraded === undefined ? 'none' : degraded.outcome
  }
  expect(outcome(0)).toBe('unknown')
  expect(outcome(decisions.length - 1)).toBe('not-applied')
  const open = decisions.filter((_, i) => reasons[i] === 'open')
  expect(shortCircuits).toBe(open.length)
  const slowest = Math.max(...open.map((d) => d.ms))
  console.info(`${mode}: ${open.length} decisions with the breaker open, slowest ${slowest.toFixed(2)} ms`)
}

describe.each(kinds)('onRedisDown on %s with Redis stopped (SIGSTOP)', (kind) => {
  const topology = useTopology(kind)

  it('fail-open admits every request, says so, and goes back to Redis once it is back', async () => {
    await using f = await rateLimitFixture(topology, { volumeThreshold: 3 })
    const { limiter, decisions, shortCircuits } = await whileStopped(topology, f, 'fail-open', 15)
    expectDegraded(decisions, 'fail-open', shortCircuits)
    expect(decisions.every(({ result }) => result.allowed)).toBe(true)
    expect(rateLimitHeaders(decisions[0]?.result ?? expect.unreachable())).toEqual({
      'RateLimit-Policy': '"burst";q=10;w=3600',
    })
    const degraded = await f.metrics.rateLimitDegraded.get()
    expect(degraded.values).toEqual([
      expect.objectContaining({ labels: { limiter: 'fail-open', mode: 'fail-open' }, value: 15 }),
    ])
    await expect.poll(() => f.guard.state, { timeout: 15_000, interval: 50 }).toBe('closed')
    expect((await limiter.consume('after-outage')).degraded).toBe(false)
  })

  it('fail-closed refuses every request with a Retry-After', async () => {
    await using f = await rateLimitFixture(topology, { volumeThreshold: 3 })
    const { decisions, shortCircuits } = await whileStopped(topology, f, 'fail-closed', 15)
    expectDegraded(decisions, 'fail-closed', shortCircuits)
    expect(decisions.every(({ result }) => !result.allowed && result.retryAfterMs === 1_000)).toBe(true)
    expect(rateLimitHeaders(decisions[0]?.result ?? expect.unreachable())['Retry-After']).toBe('1')
    await expect.poll(() => f.guard.state, { timeout: 15_000, interval: 50 }).toBe('closed')
  })

  it("local decides with an in-process bucket holding this instance's share", async () => {
    await using f = await rateLimitFixture(topology, { volumeThreshold: 3 })
    const { limiter, decisions, shortCircuits } = await whileStopped(topology, f, 'local-fallback', 15)
    expectDegraded(decisions, 'local-fallback', shortCircuits)
    // Capacity 10 shared by 2 instances: this one admits 5.
    expect(decisions.filter(({ result }) => result.allowed)).toHaveLength(5)
    const last = decisions.at(-1)?.result ?? expect.unreachable()
    expect(last).toMatchObject({ allowed: false, limit: 5, remaining: 0, violated: ['burst'] })
    expect(last.retryAfterMs).toBeGreaterThan(700_000) // a token of 5 per hour: 12 minutes
    expect(rateLimitHeaders(last)).toMatchObject({
      'RateLimit-Policy': '"burst";q=5;w=3600',
      RateLimit: '"burst";r=0;t=720',
    })
    await expect.poll(() => f.guard.state, { timeout: 15_000, interval: 50 }).toBe('closed')
    expect((await limiter.consume('after-outage')).degraded).toBe(false)
  })
})
