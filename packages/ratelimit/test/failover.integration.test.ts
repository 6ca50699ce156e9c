import { createRedis, loadRedisConfig } from '@redlayer/connection'
import { createRedisGuard } from '@redlayer/resilience'
import {
  FAILOVER_TOPOLOGIES,
  failoverMode,
  failoverRuns,
  failoverViolations,
  recordFailover,
  recordMeasurement,
  runFailover,
  runLossTrial,
  startTopology,
} from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { createRateLimiter } from '../src/index.js'
import { rateLimitFixture } from './fixtures.js'

// ADR-0015 (measured failover behaviour), ADR-0012: a token bucket under load while the primary
// of a Sentinel group or a Cluster master is killed or hung. `npm test` runs one fault per
// topology; REDLAYER_FAILOVER=full (npm run test:failover) runs both and the loss trials.
const full = failoverMode() === 'full'
const runs = failoverRuns(['sentinel', 'pause'])

const PLENTY = { name: 'burst', capacity: 1_000_000, refill: { tokens: 1_000_000, interval: '1h' } } as const

describe.each(runs)('rate limiter on %s, primary %s under load', (kind, fault) => {
  it('fails open through the failover, never READONLY after it, and the breaker closes by itself', async () => {
    await using topology = await startTopology(kind)
    await using f = await rateLimitFixture(topology)
    f.redis.on('error', () => undefined) // reconnect noise during the failover
    const limiter = f.limiter({ limits: PLENTY, onRedisDown: 'fail-open' })
    const run = await runFailover({
      topology,
      fault,
      key: f.keyspace.family('ratelimit', 'probe').key('x'),
      breaker: f.guard,
      call: async () => ((await limiter.consume('probe')).degraded === false ? 'ok' : 'degraded'),
    })
    recordFailover('ratelimit', run)
    expect(failoverViolations(run)).toEqual([])
    // Fail-open: a caller is never refused by the failover, it is let through degraded.
    expect(run.failed).toBe(0)
    expect(run.degraded).toBeGreaterThan(0)
  })
})

// The loss trials are long: `npm run test:failover` runs them, `npm test` does not.
describe.each(full ? FAILOVER_TOPOLOGIES : [])('rate limit buckets after a kill -9 on %s', (kind) => {
  it.each([0, 200])('counts the tokens handed out again (replica lag %i ms)', async (replicaLagMs) => {
    await using topology = await startTopology(kind)
    await using f = await rateLimitFixture(topology)
    f.redis.on('error', () => undefined) // reconnect noise during the failover
    // Refills in a day (the namespace's TTL bound): about 0.1 token a second, counted below.
    const capacity = 10_000
    const startedAt = Date.now()
    const limiter = f.limiter({
      limits: { name: 'burst', capacity, refill: { tokens: capacity, interval: '24h' } },
      onRedisDown: 'fail-closed',
    })
    const trial = await runLossTrial({
      topology,
      key: f.keyspace.family('ratelimit', 'bucket').key('x'),
      replicaLagMs,
      write: async () => {
        const result = await limiter.consume('bucket')
        return result.allowed && result.degraded === false ? 1 : undefined
      },
    })
    // Read back through a fresh client: what the promoted replica holds, whatever the state of
    // the writers' client (its own recovery is what the runs above measure).
    const fresh = createRedis(loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '2000' }))
    fresh.on('error', () => undefined)
    await using guard = createRedisGuard({ redis: fresh, resetTimeout: 200 })
    const checker = createRateLimiter({
      redis: fresh,
      keyspace: f.keyspace,
      namespace: 'ratelimit',
      guard,
      limits: { name: 'burst', capacity, refill: { tokens: capacity, interval: '24h' } },
      onRedisDown: 'fail-closed',
    })
    await expect
      .poll(async () => (await checker.peek('bucket')).degraded, { timeout: 20_000, interval: 200 })
      .toBe(false)
    const peek = await checker.peek('bucket')
    fresh.disconnect()
    // Tokens the callers were granted, minus those the new primary's bucket still counts as taken.
    const granted = trial.acknowledged.length
    const refilled = Math.ceil(((Date.now() - startedAt) * capacity) / 86_400_000)
    const regained = granted - (capacity - peek.remaining) - refilled
    recordMeasurement('guarantees after kill -9', {
      package: 'ratelimit',
      topology: kind,
      'replica lag ms': replicaLagMs,
      option: '-',
      acknowledged: granted,
      lost: Math.max(0, regained),
      note: 'tokens granted, then handed out again by the promoted replica',
    })
    expect(peek.degraded).toBe(false)
    expect(granted).toBeGreaterThan(0)
    // The bucket never holds more than its capacity, and never more than the grants lost.
    expect(peek.remaining).toBeLessThanOrEqual(capacity)
    expect(regained).toBeLessThanOrEqual(granted)
  })
})
