import { fillMemory, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import type { RedisDownMode } from '../src/index.js'
import { rateLimitFixture } from './fixtures.js'

// ADR-0013: OOM under noeviction refuses the bucket script's write. The limiter follows its
// onRedisDown (the result says `refused`), the breaker stays closed, and nothing throws.
describe.each(topologiesFromEnv())('rate limiter with a full Redis (OOM under noeviction) on %s', (kind) => {
  const topology = useTopology(kind)

  it.each(['fail-open', 'fail-closed', 'local-fallback'] as const satisfies readonly RedisDownMode[])(
    '%s: every decision follows onRedisDown and says it was refused',
    async (mode) => {
      await using f = await rateLimitFixture(topology, { commandTimeoutMs: 2_000 }) // room on a loaded machine
      const limiter = f.limiter({
        name: mode,
        onRedisDown: mode,
        instances: 1,
        limits: { name: 'burst', capacity: 3, refill: { tokens: 3, interval: '1h' } },
      })
      expect((await limiter.consume('warm-up')).degraded).toBe(false)
      await using _full = await fillMemory(topology.processes)
      const results = []
      for (let i = 0; i < 5; i++) results.push(await limiter.consume('subject'))
      for (const result of results)
        expect(result.degraded).toEqual({ mode, reason: 'refused', outcome: 'not-applied' })
      const allowed = results.map((result) => result.allowed)
      if (mode === 'fail-open') expect(allowed).toEqual([true, true, true, true, true])
      if (mode === 'fail-closed') expect(allowed).toEqual([false, false, false, false, false])
      // The local bucket holds this process's share (all of it with one instance): 3, then none.
      if (mode === 'local-fallback') expect(allowed).toEqual([true, true, true, false, false])
      expect(f.guard.state).toBe('closed')
      expect(f.guard.refusal).toMatchObject({ kind: 'oom' })
    },
  )
})
