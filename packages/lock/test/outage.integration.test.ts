import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, type RedisClient } from '@redlayer/connection'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { leaseMarginMs } from '../src/lease-clock.js'
import { lockFixture, openClient, sample, trackUnhandledRejections } from './fixtures.js'

const unhandled = trackUnhandledRejections()
afterAll(() => {
  unhandled.stop()
  expect(unhandled.seen).toEqual([])
})

/** Polls `probe` until it resolves truthy (bounded), while Redis and the guard come back. */
async function eventually(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = performance.now() + timeoutMs
  let last: unknown
  while (performance.now() < until) {
    try {
      if (await probe()) return
    } catch (error) {
      last = error
    }
    await sleep(100)
  }
  throw new Error(`not recovered within ${timeoutMs} ms`, { cause: last })
}

// ADR-0013 / ADR-0030: locks fail closed. Every data node is frozen with SIGSTOP (sockets open,
// no answer), the harshest stall for a client. Sentinel is left out: its sentinels, frozen too,
// come back in TILT mode and may fail over, which the connection suite covers.
describe.each(topologiesFromEnv().filter((kind) => kind !== 'sentinel'))(
  'locks while Redis is stopped (%s)',
  (kind) => {
    let topology: Topology
    let redis: RedisClient
    const pause = () => {
      for (const node of topology.processes) node.pause()
    }
    const resume = () => {
      for (const node of topology.processes) node.resume()
    }

    beforeAll(async () => {
      topology = await startTopology(kind)
      redis = await openClient(topology.env)
    })
    afterEach(() => resume())
    afterAll(async () => {
      redis?.disconnect()
      await topology?.[Symbol.asyncDispose]()
    })

    it('lock.signal aborts before the lease could end, measured from the last confirmed extension', async () => {
      await using fixture = lockFixture(redis)
      const ttlMs = 5_000
      const lock = await fixture.locks.acquire('job', { ttl: ttlMs, autoExtend: true })
      await sleep(3_600) // one auto-extension (at a third of the TTL left) has been confirmed
      expect(
        await sample(fixture.metrics, 'lockExtensions', { namespace: 'lock', outcome: 'extended' }),
      ).toBeGreaterThanOrEqual(1)
      const aborted = once(lock.signal, 'abort')
      const now = performance.now()
      // validityMs = (sent + ttl - margin) - now, so this is when the last confirmed command was sent.
      const lastConfirmedSentAt = now + lock.validityMs + leaseMarginMs(ttlMs) - ttlMs
      pause()
      await aborted
      const abortedAt = performance.now()
      resume()
      expect(abortedAt - lastConfirmedSentAt).toBeLessThan(ttlMs)
      console.info(
        `[lock ${kind}] signal aborted ${(lastConfirmedSentAt + ttlMs - abortedAt).toFixed(1)} ms before the lease could end`,
      )
      expect(isRedlayerError(lock.signal.reason, 'E_LOCK_LOST')).toBe(true)
      expect((lock.signal.reason as { details: { reason: string } }).details.reason).toBe('unconfirmed')
      expect(lock.state).toBe('lost')
      expect(await sample(fixture.metrics, 'locksLost', { namespace: 'lock' })).toBe(1)
      // Redis is back: the release tells whether the lease had really ended meanwhile.
      await eventually(async () => {
        const result = await lock.release()
        return result.released || result.reason !== 'released'
      })
    })

    it('grants nothing without Redis: E_REDIS_UNAVAILABLE, never a timeout or null', async () => {
      await using fixture = lockFixture(redis)
      pause()
      const tried = await fixture.locks.tryAcquire('job').catch((error: unknown) => error)
      expect(isRedlayerError(tried, 'E_REDIS_UNAVAILABLE')).toBe(true)
      const waitMs = 20_000
      const started = performance.now()
      const acquired = await fixture.locks.acquire('job', { wait: waitMs }).catch((error: unknown) => error)
      expect(isRedlayerError(acquired, 'E_REDIS_UNAVAILABLE')).toBe(true)
      expect(performance.now() - started).toBeLessThan(waitMs) // it did not wait out waitMs
      const permit = await fixture.locks
        .semaphore('pool', { limit: 2 })
        .tryAcquire()
        .catch((error: unknown) => error)
      expect(isRedlayerError(permit, 'E_REDIS_UNAVAILABLE')).toBe(true)
      expect(
        await sample(fixture.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'unavailable' }),
      ).toBe(3)
      expect(
        await sample(fixture.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'timeout' }),
      ).toBe(0)
      resume()
      await eventually(async () => {
        const lock = await fixture.locks.tryAcquire('job')
        await lock?.release()
        return lock !== null
      })
    })

    it('an abort ends a wait stalled on Redis at once', async () => {
      await using fixture = lockFixture(redis)
      pause()
      const controller = new AbortController()
      const waiting = fixture.locks
        .acquire('job', { signal: controller.signal })
        .catch((error: unknown) => error)
      await sleep(50)
      controller.abort()
      expect(isRedlayerError(await waiting, 'E_LOCK_ABORTED')).toBe(true)
      resume()
      // The attempt still reached Redis after the abort; it was given back, so the lock is free.
      await eventually(async () => {
        const lock = await fixture.locks.tryAcquire('job')
        await lock?.release()
        return lock !== null
      })
    })

    it('never returns a lock whose grant arrived after its lease would end (node-redlock#296)', async () => {
      // A client whose command timeout leaves room for the late reply on a busy machine (the
      // nodes resumed, the reply still comes after the 200 ms lease): the case is a late grant,
      // not a timeout.
      const patient = await openClient({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '3000' })
      try {
        await using fixture = lockFixture(patient)
        pause()
        const late = fixture.locks.tryAcquire('slow', { ttl: 200 })
        await sleep(350) // the reply arrives after the 200 ms lease
        resume()
        expect(await late).toBeNull()
        // The late grant took a fence (the counter holds it), and was given back at once, not left
        // to expire: the next acquirer gets the lock at once, with a fence above it.
        const fenceKey = fixture.keyspace.family('lock', 'slow').key('fence')
        const lateFence = BigInt((await patient.get(fenceKey)) ?? '0')
        expect(lateFence).toBeGreaterThan(0n)
        await using next = await fixture.locks.acquire('slow', { ttl: 5_000, wait: 0 })
        expect(next.fence).toBeGreaterThan(lateFence)
      } finally {
        patient.disconnect()
      }
    })
  },
)
