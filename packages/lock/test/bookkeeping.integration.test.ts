import type { RedisClient } from '@redlayer/connection'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockFixture, openClient } from './fixtures.js'

// ADR-0030: fences never go backwards, also when the counter is lost (evicted, deleted by hand,
// forgotten by a restart without persistence) or lags (a replica promoted before it received the
// last INCR): a counter below Redis time restarts from it.
describe.each(topologiesFromEnv())('fence counters lost or behind on %s', (kind) => {
  const topology = useTopology(kind)
  let redis: RedisClient
  beforeAll(async () => {
    redis = await openClient(topology.env)
  })
  afterAll(() => redis.disconnect())

  it('a deleted counter and a lagging counter still give a fence above every fence before', async () => {
    await using f = lockFixture(redis)
    const fenceKey = f.keyspace.family('lock', 'ledger').key('fence')
    const first = await f.locks.acquire('ledger')
    await first.release()

    // Lost: what an eviction, an operator's UNLINK or a restart without persistence does.
    expect(await redis.unlink(fenceKey)).toBe(1)
    const afterLoss = await f.locks.acquire('ledger')
    await afterLoss.release()
    expect(afterLoss.fence).toBeGreaterThan(first.fence)

    // Behind: what a promoted replica that missed the last INCRs holds.
    await redis.set(fenceKey, String(afterLoss.fence - 1_000n))
    const afterLag = await f.locks.acquire('ledger')
    await afterLag.release()
    expect(afterLag.fence).toBeGreaterThan(afterLoss.fence)
  })
})

describe.runIf(topologiesFromEnv().includes('standalone'))(
  'fence counters after a restart without persistence',
  () => {
    const topology = useTopology('standalone')

    it('a restart that forgot every counter does not send fences back', async () => {
      const redis = await openClient(topology.env)
      try {
        await using f = lockFixture(redis)
        const before = await f.locks.acquire('restarted')
        await before.release()
        await topology.server.restart() // the testkit's servers keep nothing on disk
        await expect
          .poll(async () => redis.ping().catch(() => 'down'), { timeout: 20_000, interval: 100 })
          .toBe('PONG')
        expect(await redis.exists(f.keyspace.family('lock', 'restarted').key('fence'))).toBe(0)
        const after = await f.locks.acquire('restarted')
        await after.release()
        expect(after.fence).toBeGreaterThan(before.fence)
      } finally {
        redis.disconnect()
      }
    })
  },
)
