import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, mastersOf, type RedisClient } from '@redlayer/connection'
import { topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { createLockManager, type LockManager } from '../src/index.js'
import { lockFixture, openClient, useLockTopology } from './fixtures.js'

// Issue 19 (ADR-0030, "Fair waiting"): waiters of one resource asked for `fair: true` are served
// in the order they came, on a mutex and on a semaphore; a waiter that stops waiting leaves the
// queue at once, one that vanishes is passed over after the queue's liveness window.

/** The waiters queued in `keyspace`: the members of its queue keys on every master. */
async function queued(redis: RedisClient, keyspace: ReturnType<typeof lockFixture>['keyspace']) {
  let total = 0
  for (const master of mastersOf(redis)) {
    let cursor = '0'
    do {
      const [next, keys] = await master.scan(cursor, 'MATCH', keyspace.pattern('lock'), 'COUNT', 100)
      cursor = next
      for (const key of keys) if (key.endsWith(':waiters')) total += await master.zcard(key)
    } while (cursor !== '0')
  }
  return total
}

describe.each(topologiesFromEnv())('fair waiting on %s', (kind) => {
  const shared = useLockTopology(kind)

  /** Starts `count` waiters one after another, each once the one before is in the queue. */
  async function queueUp(
    count: number,
    start: (index: number) => Promise<void>,
    inQueue: () => Promise<number>,
  ): Promise<Promise<void>[]> {
    const waiting: Promise<void>[] = []
    for (let i = 1; i <= count; i++) {
      waiting.push(start(i))
      await expect.poll(inQueue, { timeout: 10_000, interval: 10 }).toBe(i)
    }
    return waiting
  }

  it('five waiters queued one after another on a mutex are served first come, first served', async () => {
    // Each waiter its own manager (its own subscriber), as separate processes would be.
    await using f = lockFixture(shared.redis, { fair: true })
    const managers: LockManager[] = []
    const order: number[] = []
    try {
      const holder = await f.locks.acquire('report', { ttl: 10_000 })
      const waiting = await queueUp(
        5,
        async (index) => {
          const locks = createLockManager({
            redis: shared.redis,
            keyspace: f.keyspace,
            namespace: 'lock',
            fair: true,
          })
          managers.push(locks)
          const lock = await locks.acquire('report', { ttl: 10_000, wait: 20_000 })
          order.push(index)
          await sleep(20)
          await lock.release()
        },
        () => queued(shared.redis, f.keyspace),
      )
      await holder.release()
      await Promise.all(waiting)
      expect(order).toEqual([1, 2, 3, 4, 5])
      // The queue leaves no key behind once nobody waits.
      expect(await queued(shared.redis, f.keyspace)).toBe(0)
    } finally {
      await Promise.all(managers.map((locks) => locks.close()))
    }
  })

  it('five waiters on a semaphore of two are served in the order they came', async () => {
    await using f = lockFixture(shared.redis)
    const pool = f.locks.semaphore('pool', { limit: 2, ttl: 10_000, fair: true })
    const first = await pool.acquire()
    const second = await pool.acquire()
    const order: number[] = []
    const waiting = await queueUp(
      5,
      async (index) => {
        const permit = await pool.acquire({ wait: 20_000 })
        order.push(index)
        // Holds of different lengths free one place at a time: two places freed together go to
        // the first two waiters in whichever order their attempts arrive (ADR-0030).
        await sleep(100 * index)
        await permit.release()
      },
      () => queued(shared.redis, f.keyspace),
    )
    await first.release()
    await expect.poll(() => order.length, { timeout: 10_000, interval: 5 }).toBe(1)
    await second.release()
    await Promise.all(waiting)
    expect(order).toEqual([1, 2, 3, 4, 5])
    // A caller that does not queue (a free place, nobody waiting) takes it at once.
    expect(await pool.tryAcquire()).not.toBeNull()
  })

  it('under steady contention every fair caller is served, and the oldest waits at most the holds ahead of it', async () => {
    await using f = lockFixture(shared.redis, { fair: true })
    const callers = 6
    const holdMs = 15
    const waits: number[] = []
    const served = new Array<number>(callers).fill(0)
    // How many acquisitions by others each wait saw: the bound FIFO gives, whatever the load.
    let acquisitions = 0
    let mostOvertaken = 0
    const managers = Array.from({ length: callers }, () =>
      createLockManager({ redis: shared.redis, keyspace: f.keyspace, namespace: 'lock', fair: true }),
    )
    try {
      const until = performance.now() + 3_000
      await Promise.all(
        managers.map(async (locks, caller) => {
          while (performance.now() < until) {
            const asked = performance.now()
            const seen = acquisitions
            const lock = await locks.acquire('hot', { ttl: 10_000, wait: 20_000 })
            waits.push(performance.now() - asked)
            mostOvertaken = Math.max(mostOvertaken, acquisitions - seen)
            acquisitions += 1
            served[caller] = (served[caller] ?? 0) + 1
            await sleep(holdMs)
            await lock.release()
          }
        }),
      )
    } finally {
      await Promise.all(managers.map((locks) => locks.close()))
    }
    // FIFO: each caller waits behind at most the five others, so the turns are even.
    expect(Math.min(...served)).toBeGreaterThanOrEqual(Math.max(...served) - 1)
    const longest = Math.max(...waits)
    const perTurn = longest / (callers - 1)
    console.log(
      `fair mutex on ${kind}: ${waits.length} acquisitions by ${callers} callers holding ${holdMs} ms; ` +
        `longest wait ${longest.toFixed(1)} ms (${perTurn.toFixed(1)} ms per turn ahead), turns ${served.join('/')}`,
    )
    // The oldest waiter's wait is bounded in turns: at most the five others go before it (the
    // milliseconds above depend on the machine's load; ADR-0030 has the measured figures).
    expect(mostOvertaken).toBeLessThanOrEqual(callers - 1)
  })

  it('a waiter that stops waiting leaves the queue at once; one that vanishes is passed over after the liveness window', async () => {
    await using f = lockFixture(shared.redis, { fair: true, backoffMax: 100 })
    const holder = await f.locks.acquire('job', { ttl: 10_000 })
    const inQueue = () => queued(shared.redis, f.keyspace)
    // A waiter whose wait runs out, and one that aborts, give their places back.
    const impatient = f.locks.acquire('job', { wait: 300 }).catch((error: unknown) => error)
    await expect.poll(inQueue, { timeout: 10_000, interval: 10 }).toBe(1)
    const aborting = new AbortController()
    const aborted = f.locks.acquire('job', { wait: 20_000, signal: aborting.signal }).catch((e: unknown) => e)
    await expect.poll(inQueue, { timeout: 10_000, interval: 10 }).toBe(2)
    aborting.abort()
    expect(isRedlayerError(await aborted, 'E_LOCK_ABORTED')).toBe(true)
    expect(isRedlayerError(await impatient, 'E_LOCK_TIMEOUT')).toBe(true)
    await expect.poll(inQueue, { timeout: 10_000, interval: 10 }).toBe(0)
    // A waiter whose process vanished (its client gone mid-wait) stays queued until the window
    // (2 s + 4 x backoffMax = 2.4 s here) passes; the next waiter is served then.
    const doomedClient = await openClient(shared.topology.env)
    const doomed = createLockManager({
      redis: doomedClient,
      keyspace: f.keyspace,
      namespace: 'lock',
      fair: true,
      backoffMax: 100,
    })
    const vanished = doomed.acquire('job', { wait: 20_000 }).catch((error: unknown) => error)
    await expect.poll(inQueue, { timeout: 10_000, interval: 10 }).toBe(1)
    doomedClient.disconnect()
    await vanished
    const gone = performance.now()
    // Free, with a waiter ahead: a fair caller does not pass it, a caller that is not fair may.
    await holder.release()
    expect(await f.locks.tryAcquire('job')).toBeNull()
    const barging = await f.locks.tryAcquire('job', { fair: false })
    expect(barging).not.toBeNull()
    await barging?.release()
    const lock = await f.locks.acquire('job', { wait: 20_000 })
    const waited = performance.now() - gone
    await doomed.close()
    // Its last refresh was at most a backoff step (100 ms) and a round trip before it vanished.
    expect(waited).toBeGreaterThan(1_000)
    expect(waited).toBeLessThan(2_400 + 5_000)
    expect(await inQueue()).toBe(0)
    await lock.release()
  })

  it('fair is for one resource; a fair tryAcquire takes a free lock, and a refused one does not queue', async () => {
    await using f = lockFixture(shared.redis)
    const error = await f.locks
      .acquireMany(
        [
          ['g', 'a'],
          ['g', 'b'],
        ],
        { fair: true },
      )
      .catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_INVALID_OPTIONS')).toBe(true)
    const holder = await f.locks.acquire('door', { ttl: 10_000, fair: true })
    const waiter = f.locks.acquire('door', { ttl: 10_000, wait: 20_000, fair: true })
    await expect.poll(() => queued(shared.redis, f.keyspace), { timeout: 10_000, interval: 10 }).toBe(1)
    await holder.release()
    const lock = await waiter
    await lock.release()
    // Free and nobody waiting: a fair tryAcquire takes it, and a refused one does not queue.
    const taken = await f.locks.tryAcquire('door', { fair: true })
    expect(taken).not.toBeNull()
    expect(await f.locks.tryAcquire('door', { fair: true })).toBeNull()
    expect(await queued(shared.redis, f.keyspace)).toBe(0)
    await taken?.release()
  })
})
