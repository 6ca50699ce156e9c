import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError, type RedisClient } from '@redlayer/connection'
import { percentile, startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLockManager, type Lock } from '../src/index.js'
import { nextMessage, outputOf, startChild } from './child-process.js'
import {
  lockFixture,
  lockKeyspace,
  openClient,
  redisMicros,
  sample,
  trackUnhandledRejections,
} from './fixtures.js'

const unhandled = trackUnhandledRejections()
afterAll(() => {
  unhandled.stop()
  expect(unhandled.seen).toEqual([])
})

/** The highest-fence-wins resource of the fencing argument: it refuses a write older than one it took. */
class FencedResource {
  #highest = -1n
  value: string | undefined
  write(fence: bigint, value: string): boolean {
    if (fence <= this.#highest) return false
    this.#highest = fence
    this.value = value
    return true
  }
}

// ADR-0015: the same suite on a single Redis, a Sentinel group and a Cluster.
describe.each(topologiesFromEnv())('locks on %s', (kind) => {
  let topology: Topology
  let redis: RedisClient

  beforeAll(async () => {
    topology = await startTopology(kind)
    redis = await openClient(topology.env)
  })
  afterAll(async () => {
    redis?.disconnect()
    await topology?.[Symbol.asyncDispose]()
  })

  it('four processes incrementing a plain counter under the lock end with the exact count', async () => {
    const workers = 4
    const increments = 25
    await using fixture = lockFixture(redis)
    const env = {
      LOCK_TEST_ENV: JSON.stringify(topology.env),
      LOCK_TEST_PREFIX: fixture.keyspace.prefix.replace(/:$/, ''),
      LOCK_TEST_INCREMENTS: String(increments),
    }
    const children = Array.from({ length: workers }, () => startChild('counter-worker', env))
    try {
      const outputs = await Promise.all(children.map((child) => outputOf(child, 120_000)))
      const increments_ = outputs.flatMap((out) => JSON.parse(out.trim()) as [number, string][])
      expect(await redis.get(fixture.keyspace.key('cache', 'counter'))).toBe(String(workers * increments))
      // Every increment read the value the previous one wrote, and the fences follow that order.
      const byValue = [...increments_].sort((a, b) => a[0] - b[0])
      expect(byValue.map(([value]) => value)).toEqual(
        Array.from({ length: workers * increments }, (_, i) => i),
      )
      const fences = byValue.map(([, fence]) => BigInt(fence))
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] as bigint)
    } finally {
      await Promise.all(children.map((child) => child[Symbol.asyncDispose]()))
    }
  }, 150_000)

  it('fences strictly increase per resource, whoever acquires', async () => {
    await using a = lockFixture(redis)
    await using b = lockFixture(redis, {})
    // Two managers on the same keyspace prefix: b shares a's keyspace.
    await using other = createLockManager({ redis, keyspace: a.keyspace, namespace: 'lock', guard: b.guard })
    const fences: bigint[] = []
    const before = await redisMicros(redis)
    for (let i = 0; i < 20; i++) {
      const lock = await (i % 2 === 0 ? a.locks : other).acquire(['orders', 42])
      fences.push(lock.fence)
      await lock.release()
    }
    // ADR-0030: strictly increasing, and never below Redis time when it was issued.
    expect(fences[0]).toBeGreaterThanOrEqual(before)
    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] ?? 0n)
    // Another resource has its own counter, started from Redis time, not from the first one's.
    const other43 = await redisMicros(redis)
    await using lock = await a.locks.acquire(['orders', 43])
    expect(lock.fence).toBeGreaterThanOrEqual(other43)
  })

  it('64 acquisitions at once raise no MaxListenersExceededWarning', async () => {
    await using fixture = lockFixture(redis)
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const locks = await Promise.all(
        Array.from({ length: 64 }, (_, i) => fixture.locks.acquire(['parallel', i])),
      )
      await Promise.all(locks.map((lock) => lock.release()))
      await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })

  it('a holder paused past its lease gets its later fenced write rejected', async () => {
    await using fixture = lockFixture(redis)
    const ttlMs = 300
    await using child = startChild('paused-holder', {
      LOCK_TEST_ENV: JSON.stringify(topology.env),
      LOCK_TEST_PREFIX: fixture.keyspace.prefix.replace(/:$/, ''),
      LOCK_TEST_TTL_MS: String(ttlMs),
    })
    const resource = new FencedResource()
    const holding = await nextMessage<{ type: string; fence: string }>(child, 'holding', 60_000)
    child.kill('SIGSTOP') // a GC pause, a swapped-out VM...
    const lock = await fixture.locks.acquire('fenced', { ttl: 5_000, wait: 5_000 })
    expect(lock.fence).toBeGreaterThan(BigInt(holding.fence))
    expect(resource.write(lock.fence, 'from the new holder')).toBe(true)
    child.kill('SIGCONT')
    const stale = nextMessage<{ type: string; fence: string; value: string; aborted: boolean }>(
      child,
      'write',
    )
    child.send({ type: 'write' })
    const write = await stale
    expect(write.aborted).toBe(true) // its signal had fired, but a paused process may not look
    expect(resource.write(BigInt(write.fence), write.value)).toBe(false)
    expect(resource.value).toBe('from the new holder')
    expect(await lock.release()).toEqual({ released: true })
  })

  it('release and extend by a holder that lost the lock change nothing and say so', async () => {
    await using fixture = lockFixture(redis)
    const stale = await fixture.locks.acquire('shared', { ttl: 200 })
    await sleep(250)
    expect(stale.state).toBe('lost')
    expect(isRedlayerError(stale.signal.reason, 'E_LOCK_LOST')).toBe(true)
    const current = await fixture.locks.acquire('shared', { ttl: 5_000 })
    // A fresh handle with the stale token, as another process would have.
    expect(await stale.release()).toEqual({ released: false, reason: 'taken' })
    expect(await fixture.locks.tryAcquire('shared')).toBeNull() // still the current holder's
    expect(current.state).toBe('held')
    expect(await current.release()).toEqual({ released: true })
    expect(await current.release()).toEqual({ released: false, reason: 'released' })
    expect(await current.extend()).toEqual({ extended: false, reason: 'released' })
  })

  it('extend never re-acquires an expired lock (redis-semaphore#175)', async () => {
    await using fixture = lockFixture(redis)
    const lock = await fixture.locks.acquire('expiring', { ttl: 200 })
    await sleep(250)
    expect(await lock.extend(5_000)).toEqual({ extended: false, reason: 'unconfirmed' })
    // Nobody holds it: a new acquirer gets it at once, with the next fence.
    await using next = await fixture.locks.acquire('expiring', { wait: 0 })
    expect(next.fence).toBeGreaterThan(lock.fence)
    expect(await sample(fixture.metrics, 'locksLost', { namespace: 'lock' })).toBe(1)
  })

  it('auto-extension keeps a lock past several TTLs, and its signal stays quiet', async () => {
    await using fixture = lockFixture(redis)
    const lock = await fixture.locks.acquire('long-job', { ttl: 1_000, autoExtend: true })
    await sleep(2_500)
    expect(lock.signal.aborted).toBe(false)
    expect(lock.validityMs).toBeGreaterThan(0)
    expect(await fixture.locks.tryAcquire('long-job')).toBeNull()
    expect(
      await sample(fixture.metrics, 'lockExtensions', { namespace: 'lock', outcome: 'extended' }),
    ).toBeGreaterThanOrEqual(3)
    expect(await lock.release()).toEqual({ released: true })
    expect(isRedlayerError(lock.signal.reason, 'E_LOCK_RELEASED')).toBe(true)
  })

  it('contention is E_LOCK_TIMEOUT or null, told apart from an abort', async () => {
    await using fixture = lockFixture(redis)
    await using held = await fixture.locks.acquire('busy', { ttl: 5_000 })
    expect(held.state).toBe('held')
    expect(await fixture.locks.tryAcquire('busy')).toBeNull()
    const started = performance.now()
    const timeout = await fixture.locks.acquire('busy', { wait: 200 }).catch((error: unknown) => error)
    expect(isRedlayerError(timeout, 'E_LOCK_TIMEOUT')).toBe(true)
    expect(performance.now() - started).toBeGreaterThanOrEqual(199)
    const controller = new AbortController()
    const waiting = fixture.locks.acquire('busy', { wait: 10_000, signal: controller.signal })
    controller.abort(new Error('shutting down'))
    const aborted = await waiting.catch((error: unknown) => error)
    expect(isRedlayerError(aborted, 'E_LOCK_ABORTED')).toBe(true)
    expect(await sample(fixture.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'timeout' })).toBe(
      2,
    )
    expect(await sample(fixture.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'aborted' })).toBe(
      1,
    )
  })

  it('hands a contended lock over through pub/sub (p50 reported, not asserted)', async () => {
    await using fixture = lockFixture(redis, { backoffBase: 1_000, backoffMax: 1_000 })
    const handoffs: number[] = []
    for (let i = 0; i < 20; i++) {
      const holder = await fixture.locks.acquire('baton', { ttl: 10_000 })
      const waiter = fixture.locks.acquire('baton', { ttl: 10_000, wait: 10_000 })
      await sleep(20) // the waiter has tried once and subscribed
      const released = performance.now()
      await holder.release()
      const next = await waiter
      handoffs.push(performance.now() - released)
      await next.release()
    }
    // With a 1 s backoff floor, only the wake-up can make these short.
    console.info(
      `[lock ${kind}] hand-off after release: p50 ${percentile(handoffs, 0.5).toFixed(2)} ms, ` +
        `p90 ${percentile(handoffs, 0.9).toFixed(2)} ms`,
    )
    expect(handoffs).toHaveLength(20)
  })

  it('locks several resources of one group all or nothing, and refuses resources of different slots', async () => {
    await using fixture = lockFixture(redis)
    const b = await fixture.locks.acquire(['order-7', 'payment'])
    expect(
      await fixture.locks.tryAcquireMany([
        ['order-7', 'items'],
        ['order-7', 'payment'],
      ]),
    ).toBeNull()
    // Nothing was taken half-way: the free resource is still free.
    const items = await fixture.locks.tryAcquire(['order-7', 'items'])
    expect(items).not.toBeNull()
    await items?.release()
    await b.release()
    const both: Lock = await fixture.locks.acquireMany([
      ['order-7', 'items'],
      ['order-7', 'payment'],
    ])
    expect(both.fences).toHaveLength(2)
    expect(await fixture.locks.tryAcquire(['order-7', 'payment'])).toBeNull()
    expect(await both.extend()).toMatchObject({ extended: true })
    expect(await both.release()).toEqual({ released: true })
    const crossSlot = await fixture.locks.acquireMany(['order-7', 'order-8']).catch((error: unknown) => error)
    expect(isRedlayerError(crossSlot, 'E_CROSS_SLOT')).toBe(true)
  })

  it('a semaphore never has more holders than its limit under concurrency', async () => {
    await using a = lockFixture(redis)
    await using b = createLockManager({ redis, keyspace: a.keyspace, namespace: 'lock', guard: a.guard })
    const limit = 3
    let current = 0
    let peak = 0
    const work = async (semaphore: ReturnType<typeof b.semaphore>) => {
      for (let i = 0; i < 5; i++) {
        await semaphore.withPermit(
          async () => {
            current += 1
            peak = Math.max(peak, current)
            await sleep(5)
            current -= 1
          },
          { wait: 30_000 },
        )
      }
    }
    const semaphores = [
      a.locks.semaphore('pool', { limit, ttl: 2_000 }),
      b.semaphore('pool', { limit, ttl: 2_000 }),
    ]
    await Promise.all(Array.from({ length: 10 }, (_, i) => work(semaphores[i % 2] as (typeof semaphores)[0])))
    expect(peak).toBe(limit)
    expect(current).toBe(0)
  })

  it('semaphore permits expire on Redis time and are never refreshed back', async () => {
    await using fixture = lockFixture(redis)
    const semaphore = fixture.locks.semaphore('slots', { limit: 1, ttl: 200 })
    const first = await semaphore.acquire()
    expect(first.holders).toBe(1)
    expect(await semaphore.tryAcquire()).toBeNull()
    await sleep(250)
    expect(await first.extend(5_000)).toEqual({ extended: false, reason: 'unconfirmed' })
    await using second = await semaphore.acquire({ wait: 0, ttl: 5_000 })
    expect(second.holders).toBe(1)
    expect(await first.release()).toEqual({ released: false, reason: 'expired' })
    expect(await semaphore.tryAcquire()).toBeNull()
  })

  it('waitForReplicas reports how many replicas acknowledged the acquisition', async () => {
    await using fixture = lockFixture(redis)
    await using lock = await fixture.locks.acquire('replicated', { ttl: 5_000 })
    const result = await lock.waitForReplicas(1, kind === 'standalone' ? 100 : 2_000)
    if (kind === 'standalone') expect(result).toEqual({ held: true, acknowledged: 0, requested: 1 })
    else expect(result).toEqual({ held: true, acknowledged: 1, requested: 1 })
    expect(lock.state).toBe('held')
  })

  it('keeps the fence counter without TTL, and the lock key with its lease', async () => {
    await using fixture = lockFixture(redis)
    const lock = await fixture.locks.acquire(['accounts', 7], { ttl: 5_000 })
    const lockKey = fixture.keyspace.family('lock', 'accounts').key(7, 'lock')
    const fenceKey = fixture.keyspace.family('lock', 'accounts').key(7, 'fence')
    const pttl = await redis.pttl(lockKey)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(5_000)
    await lock.release()
    expect(await redis.exists(lockKey)).toBe(0)
    // ADR-0030: a counter that expired would restart at 1 and break fencing.
    expect(await redis.pttl(fenceKey)).toBe(-1)
    expect(await redis.get(fenceKey)).toBe(String(lock.fence))
    expect(
      await sample(fixture.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'acquired' }),
    ).toBe(1)
  })

  it('close() ends pending waits with E_LOCK_CLOSED and releases what it holds', async () => {
    const fixture = lockFixture(redis)
    const held = await fixture.locks.acquire('closing', { ttl: 30_000 })
    const waiting = fixture.locks.acquire('closing', { wait: 10_000 }).catch((error: unknown) => error)
    await sleep(20)
    await fixture[Symbol.asyncDispose]()
    expect(isRedlayerError(await waiting, 'E_LOCK_CLOSED')).toBe(true)
    expect(held.state).toBe('released')
    await using other = lockFixture(redis)
    await using locks = createLockManager({
      redis,
      keyspace: fixture.keyspace,
      namespace: 'lock',
      guard: other.guard,
    })
    // Free at once, not after the 30 s lease.
    await using next = await locks.acquire('closing', { wait: 0 })
    expect(next.fence).toBeGreaterThan(held.fence)
    const late = await fixture.locks.tryAcquire('closing').catch((error: unknown) => error)
    expect(isRedlayerError(late, 'E_LOCK_CLOSED')).toBe(true)
  })

  it('runs its scripts first in the same tick as another auto-pipelined command (ioredis#1931)', async () => {
    const client = await openClient(topology.env, {
      redisOptions: { enableAutoPipelining: true },
      clusterOptions: { enableAutoPipelining: true },
    })
    try {
      const keyspace = lockKeyspace()
      const other = client.get(keyspace.key('cache', 'x')) // opens an auto-pipeline in this tick
      await using locks = createLockManager({ redis: client, keyspace, namespace: 'lock' })
      await using lock = await locks.acquire('same-tick')
      expect(await other).toBeNull()
      expect(lock.fence).toBeGreaterThan(0n) // the script ran and issued a fence
    } finally {
      client.disconnect()
    }
  })

  it('withLock passes the lock, releases it, and reports a lease that ended under the work', async () => {
    await using fixture = lockFixture(redis)
    const before = await redisMicros(redis)
    const fence = await fixture.locks.withLock('job', (lock) => lock.fence)
    expect(fence).toBeGreaterThanOrEqual(before)
    await using free = await fixture.locks.acquire('job', { wait: 0 })
    expect(free.fence).toBeGreaterThan(fence)
    await free.release()
    const lost = await fixture.locks
      .withLock('job', () => sleep(300), { ttl: 200, autoExtend: false })
      .catch((error: unknown) => error)
    expect(isRedlayerError(lost, 'E_LOCK_LOST')).toBe(true)
    const failing = await fixture.locks
      .withLock('job', () => Promise.reject(new Error('the work failed')))
      .catch((error: unknown) => error)
    expect((failing as Error).message).toBe('the work failed')
    await using again = await fixture.locks.acquire('job', { wait: 0 })
    expect(again.state).toBe('held')
  })
})
