import { startSentinelGroup, topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { lockFixture, openClient, trackUnhandledRejections } from './fixtures.js'

const unhandled = trackUnhandledRejections()

// ADR-0030 states that asynchronous replication lets a Sentinel failover lose an acquisition, so
// that two holders have the lock at once; fences drawn from Redis time still order them (the
// lost INCR no longer lets a fence value be issued twice). This shows it happening, deterministically: the replica is frozen and the primary's replication stream is
// padded past the kernel's socket buffers, so the acquisition is still in the primary's own
// output buffer when the primary dies.
describe.runIf(topologiesFromEnv().includes('sentinel'))('a Sentinel failover', () => {
  it('can lose an acquisition: two holders at once, yet the second fence is higher; WAIT saw it coming', async () => {
    await using group = await startSentinelGroup()
    const redis = await openClient(group.env)
    try {
      await using fixture = lockFixture(redis)
      const primary = await group.primary()
      const [replica] = await group.replicas()
      if (replica === undefined) throw new Error('the group has no replica')

      replica.pause()
      const padding = 'x'.repeat(1024 * 1024)
      for (let i = 0; i < 64; i++) await redis.set(fixture.keyspace.key('cache', 'padding', i), padding)
      const first = await fixture.locks.acquire('payment', { ttl: 60_000 })
      const wait = await first.waitForReplicas(1, 200)
      expect(wait).toEqual({ held: true, acknowledged: 0, requested: 1 })

      await primary.kill()
      replica.resume()
      await group.waitForPrimaryChange(primary.port, 30_000)

      // The promoted replica never saw the acquisition: the lock is granted again...
      let second = await fixture.locks.tryAcquire('payment').catch(() => null)
      const until = performance.now() + 20_000
      while (second === null && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        second = await fixture.locks.tryAcquire('payment').catch(() => null)
      }
      expect(second).not.toBeNull()
      expect(first.state).toBe('held') // ...while the first holder still believes it has it
      // ...but, though the counter lost the first holder's fence, with a higher one: a fenced
      // resource accepts the second holder and refuses the first from now on.
      expect(second?.fence).toBeGreaterThan(first.fence)
      console.info(
        `[lock sentinel failover] first holder's fence ${first.fence}, second holder's fence ${second?.fence}`,
      )
      // The first holder learns it at its next extension.
      expect(await first.extend()).toEqual({ extended: false, reason: 'taken' })
      await second?.release()
    } finally {
      redis.disconnect()
      unhandled.stop()
    }
    expect(unhandled.seen).toEqual([])
  }, 120_000)
})
