import { isRedlayerError, RedlayerError } from '@redlayer/connection'
import { expectNoUnhandledRejections } from '@redlayer/testkit'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { HeldLease, type LeaseBackend, type LeaseEvents, type LeaseStart } from './held-lease.js'
import { leaseDeadline, monotonicNow } from './lease-clock.js'
import type { LeaseReply } from './replies.js'
import { runHolding } from './with-lease.js'

// The timing logic of a lease, against an in-process backend whose replies the test controls
// (Redis itself is exercised by the integration suites), on fake timers AND a fake
// performance.now(), so that deadlines are checked exactly, whatever the load of the host.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Advances the fake clock until `signal` aborts (bounded), and returns when that was. */
async function abortTime(signal: AbortSignal, boundMs = 60_000): Promise<number> {
  for (let waited = 0; !signal.aborted && waited < boundMs; waited += 1) await vi.advanceTimersByTimeAsync(1)
  if (!signal.aborted) throw new Error(`not aborted within ${boundMs} ms`)
  return monotonicNow()
}
class TestLease extends HeldLease {
  constructor(backend: LeaseBackend, events: LeaseEvents, start: LeaseStart) {
    super(backend, events, start)
  }
  protected validateTtl(): void {}
}

type Reply = LeaseReply | Error | 'hang'

/** A backend answering each call from a script of replies (the last one repeats). */
function backend(extendReplies: Reply[], releaseReplies: Reply[] = ['ok']) {
  const calls = { extend: 0, release: 0 }
  const pending: ((reply: LeaseReply) => void)[] = []
  const answer = (reply: Reply | undefined): Promise<LeaseReply> => {
    if (reply === 'hang') return new Promise((resolve) => pending.push(resolve))
    if (reply instanceof Error) return Promise.reject(reply)
    return Promise.resolve(reply ?? 'ok')
  }
  const next = (replies: Reply[], index: number) => replies[Math.min(index, replies.length - 1)]
  const impl: LeaseBackend = {
    extend: () => answer(next(extendReplies, calls.extend++)),
    release: () => answer(next(releaseReplies, calls.release++)),
  }
  return { impl, calls, resolveHanging: (reply: LeaseReply) => pending.shift()?.(reply) }
}

function recorder() {
  const seen = { extended: 0, lost: 0, errors: 0, ended: 0, lostExtensions: 0 }
  const events: LeaseEvents = {
    extension: (outcome) => {
      if (outcome === 'extended') seen.extended++
      else if (outcome === 'lost') seen.lostExtensions++
      else seen.errors++
    },
    lost: () => seen.lost++,
    ended: () => seen.ended++,
  }
  return { events, seen }
}

expectNoUnhandledRejections()

describe('HeldLease', () => {
  it('auto-extends past several TTLs while the backend confirms', async () => {
    const { impl, calls } = backend(['ok'])
    const { events, seen } = recorder()
    const lease = new TestLease(impl, events, { sentAt: monotonicNow(), ttlMs: 300, autoExtend: true })
    await vi.advanceTimersByTimeAsync(1_000) // an extension every 200 ms
    expect(lease.state).toBe('held')
    expect(lease.signal.aborted).toBe(false)
    expect(calls.extend).toBe(5)
    expect(seen.extended).toBe(calls.extend)
    expect(await lease.release()).toEqual({ released: true })
    expect(isRedlayerError(lease.signal.reason, 'E_LOCK_RELEASED')).toBe(true)
    expect(seen).toMatchObject({ lost: 0, ended: 1 })
  })

  it('aborts its signal before the lease ends when an extension never comes back', async () => {
    const { impl } = backend(['hang'])
    const { events, seen } = recorder()
    const sentAt = monotonicNow()
    const lease = new TestLease(impl, events, { sentAt, ttlMs: 1_000, autoExtend: true })
    const abortedAt = await abortTime(lease.signal)
    expect(abortedAt - sentAt).toBeLessThan(1_000)
    expect(abortedAt).toBe(Math.ceil(leaseDeadline(sentAt, 1_000)))
    expect(lease.state).toBe('lost')
    expect(lease.validityMs).toBe(0)
    expect(seen).toMatchObject({ lost: 1, ended: 1 })
  })

  it('gives a signal first read after the lease ended already aborted, with the reason it ended for', async () => {
    const released = new TestLease(backend([]).impl, recorder().events, {
      sentAt: monotonicNow(),
      ttlMs: 1_000,
      autoExtend: false,
    })
    expect(await released.release()).toEqual({ released: true })
    expect(released.signal.aborted).toBe(true)
    expect(isRedlayerError(released.signal.reason, 'E_LOCK_RELEASED')).toBe(true)

    const lostThenReleased = new TestLease(backend([], ['expired']).impl, recorder().events, {
      sentAt: monotonicNow(),
      ttlMs: 1_000,
      autoExtend: false,
    })
    expect(await lostThenReleased.release()).toEqual({ released: false, reason: 'expired' })
    expect(isRedlayerError(lostThenReleased.signal.reason, 'E_LOCK_LOST')).toBe(true)
    expect((lostThenReleased.signal.reason as { details: object }).details).toEqual({ reason: 'expired' })

    const unconfirmed = new TestLease(backend(['hang']).impl, recorder().events, {
      sentAt: monotonicNow(),
      ttlMs: 300,
      autoExtend: true,
    })
    await vi.advanceTimersByTimeAsync(300)
    expect(unconfirmed.state).toBe('lost')
    expect(unconfirmed.signal.aborted).toBe(true)
    expect((unconfirmed.signal.reason as { details: object }).details).toEqual({ reason: 'unconfirmed' })
    // The same signal, reason and all, on every read.
    expect(unconfirmed.signal).toBe(unconfirmed.signal)
  })

  it('never resurrects a lease whose extension was confirmed after the deadline', async () => {
    const { impl, resolveHanging } = backend(['hang'])
    const { events } = recorder()
    const lease = new TestLease(impl, events, { sentAt: monotonicNow(), ttlMs: 200, autoExtend: false })
    const extending = lease.extend()
    await vi.advanceTimersByTimeAsync(220)
    expect(lease.state).toBe('lost')
    resolveHanging('ok')
    expect(await extending).toEqual({ extended: false, reason: 'unconfirmed' })
    expect(lease.state).toBe('lost')
  })

  it('keeps failing extensions to itself (no unhandled rejection) and is lost at the deadline', async () => {
    const { impl, calls } = backend([new Error('Redis is unavailable')])
    const { events, seen } = recorder()
    const sentAt = monotonicNow()
    const lease = new TestLease(impl, events, { sentAt, ttlMs: 1_000, autoExtend: true })
    expect(await abortTime(lease.signal)).toBeLessThan(sentAt + 1_000)
    // First try at 667 ms, then every 66 ms until the deadline at 940 ms.
    expect(calls.extend).toBe(5)
    expect(seen.errors).toBe(calls.extend)
    expect((lease.signal.reason as { details: object }).details).toEqual({ reason: 'unconfirmed' })
  })

  it('is lost at once when Redis says it expired or was taken, and extend says so', async () => {
    const { impl } = backend(['taken'], ['taken'])
    const { events, seen } = recorder()
    const lease = new TestLease(impl, events, { sentAt: monotonicNow(), ttlMs: 5_000, autoExtend: false })
    expect(await lease.extend()).toEqual({ extended: false, reason: 'taken' })
    expect(await lease.extend()).toEqual({ extended: false, reason: 'taken' })
    expect(seen).toMatchObject({ lost: 1, lostExtensions: 1 })
    expect(await lease.release()).toEqual({ released: false, reason: 'taken' })
    expect(await lease.release()).toEqual({ released: false, reason: 'released' })
  })

  it('lets a failed release be retried', async () => {
    const { impl, calls } = backend(['ok'], [new Error('Redis is unavailable'), 'ok'])
    const { events } = recorder()
    const lease = new TestLease(impl, events, { sentAt: monotonicNow(), ttlMs: 5_000, autoExtend: false })
    await expect(lease.release()).rejects.toThrow('Redis is unavailable')
    expect(lease.state).toBe('held')
    expect(await lease.release()).toEqual({ released: true })
    expect(calls.release).toBe(2)
  })

  it('measures the lease from the last SENT confirmation, whatever order the replies come in', async () => {
    const { impl, resolveHanging } = backend(['hang'])
    const { events } = recorder()
    const lease = new TestLease(impl, events, { sentAt: monotonicNow(), ttlMs: 5_000, autoExtend: false })
    const long = lease.extend(10_000) // sent first
    const short = lease.extend(200) // sent second: Redis applies it last
    resolveHanging('ok')
    resolveHanging('ok')
    await Promise.all([long, short])
    expect(lease.validityMs).toBeLessThanOrEqual(200)
    expect(lease.ttlMs).toBe(200)
  })
})

describe('runHolding (withLock, withPermit)', () => {
  const unavailable = () => new RedlayerError('E_REDIS_UNAVAILABLE', 'Redis is unavailable')
  const start = () => ({ sentAt: monotonicNow(), ttlMs: 5_000, autoExtend: false })

  it("returns fn's value and releases", async () => {
    const { impl, calls } = backend(['ok'])
    const lease = new TestLease(impl, recorder().events, start())
    expect(await runHolding(lease, () => 42)).toBe(42)
    expect(calls.release).toBe(1)
    expect(lease.state).toBe('released')
  })

  it("rethrows fn's error after releasing, even when the release fails", async () => {
    const { impl, calls } = backend(['ok'], [unavailable()])
    const lease = new TestLease(impl, recorder().events, start())
    const failure = new Error('the work failed')
    await expect(runHolding(lease, () => Promise.reject(failure))).rejects.toBe(failure)
    expect(calls.release).toBe(1)
  })

  it('reports E_LOCK_LOST when the lease had ended before the release', async () => {
    const { impl } = backend(['ok'], ['expired'])
    const lease = new TestLease(impl, recorder().events, start())
    const error = await runHolding(lease, () => 'done').catch((e: unknown) => e)
    expect(isRedlayerError(error, 'E_LOCK_LOST')).toBe(true)
    expect((error as RedlayerError).details).toEqual({ reason: 'expired' })
  })

  it('returns the value when only the release fails while the lease was certain', async () => {
    const { impl } = backend(['ok'], [unavailable()])
    const lease = new TestLease(impl, recorder().events, start())
    expect(await runHolding(lease, () => 'done')).toBe('done')
  })

  it('reports E_LOCK_LOST when the release fails after the lease became uncertain', async () => {
    const { impl } = backend(['ok'], [unavailable()])
    const lease = new TestLease(impl, recorder().events, {
      sentAt: monotonicNow(),
      ttlMs: 200,
      autoExtend: false,
    })
    const error = await runHolding(lease, () => vi.advanceTimersByTimeAsync(250)).catch((e: unknown) => e)
    expect(isRedlayerError(error, 'E_LOCK_LOST')).toBe(true)
    expect(isRedlayerError((error as Error).cause, 'E_REDIS_UNAVAILABLE')).toBe(true)
  })
})
