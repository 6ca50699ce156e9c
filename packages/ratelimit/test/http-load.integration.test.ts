import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import autocannon from 'autocannon'
import { describe, expect, it } from 'vitest'
import { rateLimitFixture } from './fixtures.js'
import { ADAPTERS } from './http-servers.js'

// Issue 16: real HTTP load (autocannon, 32 connections for 3 s, far above the refill rate)
// against one subject through each adapter, on each topology: the requests admitted are what
// the bucket allows, capacity plus the refill over the run (Redis TIME at its start and end),
// within 2 %.
const CAPACITY = 500
const PER_SECOND = 100

describe.each(topologiesFromEnv())('HTTP load against one subject on %s', (kind) => {
  const topology = useTopology(kind)

  it.each(Object.keys(ADAPTERS) as (keyof typeof ADAPTERS)[])(
    '%s admits what the bucket allows, within 2 %',
    async (adapter) => {
      await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 })
      const limiter = f.limiter({
        limits: { name: 'load', capacity: CAPACITY, refill: { tokens: PER_SECOND, interval: '1s' } },
      })
      await using server = await ADAPTERS[adapter]({ limiter, apiKeySubject: true })
      const redisSeconds = async () => {
        const [seconds, micros] = await f.redis.time()
        return Number(seconds) + Number(micros) / 1e6
      }
      const started = await redisSeconds()
      const result = await autocannon({
        url: `${server.url}/limited`,
        connections: 32,
        duration: 3,
        headers: { 'x-api-key': 'one-subject' },
      })
      const elapsed = (await redisSeconds()) - started
      const admitted = result['2xx']
      const denied = result.statusCodeStats?.['429']?.count ?? 0
      const expected = CAPACITY + PER_SECOND * elapsed
      console.info(
        `${kind} ${adapter}: ${result.requests.total} requests in ${elapsed.toFixed(2)} s, ${admitted} admitted (bucket allows ${expected.toFixed(0)}), ${denied} denied, ${result.errors} errors`,
      )
      expect(result.errors).toBe(0)
      expect(result.non2xx).toBe(denied) // every answer was a 200 or a 429
      expect(denied).toBeGreaterThan(admitted) // the load was far above what the bucket allows
      expect(admitted).toBeLessThanOrEqual(Math.ceil(expected))
      expect(admitted).toBeGreaterThanOrEqual(Math.floor(expected * 0.98))
    },
    60_000,
  )
})
