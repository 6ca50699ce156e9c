import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { createLockManager } from '../src/index.js'
import { lockFixture, openClient, useLockTopology } from './fixtures.js'

// Issue 19 (ADR-0030, "Read-write locks"): many readers or one fenced writer; a waiting writer
// keeps new readers out; every lease ends by itself on Redis time.
describe.each(topologiesFromEnv())('read-write locks on %s', (kind) => {
  const shared = useLockTopology(kind)

  it('readers share it, a writer has it alone, and every writer gets a higher fence', async () => {
    await using f = lockFixture(shared.redis)
    const rw = f.locks.readWrite(['report', 'q3'])
    const readers = await Promise.all(Array.from({ length: 5 }, () => rw.read({ ttl: 10_000 })))
    expect(Math.max(...readers.map((reader) => reader.holders))).toBe(5)
    expect(await rw.tryWrite()).toBeNull()
    for (const reader of readers) expect((await reader.release()).released).toBe(true)
    const writer = await rw.write({ ttl: 10_000 })
    expect(await rw.tryRead()).toBeNull()
    expect(await rw.tryWrite()).toBeNull()
    await writer.release()
    const next = await rw.write({ ttl: 10_000 })
    expect(next.fence).toBeGreaterThan(writer.fence)
    await next.release()
    // Readers again once the writer left; other resources are not affected.
    const reader = await rw.read()
    expect(await f.locks.readWrite('other').tryWrite()).not.toBeNull()
    await reader.release()
  })

  it('a waiting writer keeps new readers out, so a stream of readers cannot starve it', async () => {
    await using f = lockFixture(shared.redis)
    const rw = f.locks.readWrite('ledger')
    const order: string[] = []
    const first = await rw.read({ ttl: 10_000 })
    const writing = rw.write({ ttl: 10_000, wait: 20_000 }).then(async (lock) => {
      order.push('writer')
      await sleep(50)
      await lock.release()
    })
    // Once the writer has said it waits, a new reader is refused, and one that waits queues behind it.
    await expect.poll(async () => (await rw.tryRead()) === null, { timeout: 10_000, interval: 20 }).toBe(true)
    const reading = rw.read({ wait: 20_000 }).then(async (lease) => {
      order.push('reader')
      await lease.release()
    })
    await sleep(100)
    expect(order).toEqual([])
    await first.release()
    await Promise.all([writing, reading])
    expect(order).toEqual(['writer', 'reader'])
  })

  it('a writer that gives up lets readers in at once; a crashed holder frees it at its lease end', async () => {
    await using f = lockFixture(shared.redis)
    const rw = f.locks.readWrite('inventory')
    const reader = await rw.read({ ttl: 10_000 })
    const error = await rw.write({ wait: 300 }).catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_LOCK_TIMEOUT')).toBe(true)
    const second = await rw.tryRead()
    expect(second).not.toBeNull()
    await second?.release()
    await reader.release()
    // A reader whose process vanished (never released, not extended) holds it only for its lease.
    const vanishedClient = await openClient(shared.topology.env)
    const vanished = createLockManager({ redis: vanishedClient, keyspace: f.keyspace, namespace: 'lock' })
    await vanished.readWrite('inventory').read({ ttl: 400 })
    vanishedClient.disconnect()
    const started = performance.now()
    const writer = await rw.write({ ttl: 10_000, wait: 20_000 })
    const waited = performance.now() - started
    await vanished.close()
    expect(waited).toBeLessThan(400 + 3_000)
    await writer.release()
  })

  it('under contention no reader ever overlaps a writer, and writers get their turns', async () => {
    await using f = lockFixture(shared.redis)
    const managers = Array.from({ length: 4 }, () =>
      createLockManager({ redis: shared.redis, keyspace: f.keyspace, namespace: 'lock' }),
    )
    let readers = 0
    let writers = 0
    let overlaps = 0
    const turns = { read: 0, write: 0 }
    try {
      const until = performance.now() + 2_000
      await Promise.all(
        managers.flatMap((locks, n) => {
          const rw = locks.readWrite('shared')
          const reader = async () => {
            while (performance.now() < until) {
              const lease = await rw.read({ ttl: 10_000, wait: 20_000 })
              readers += 1
              if (writers > 0) overlaps += 1
              turns.read += 1
              await sleep(5)
              readers -= 1
              await lease.release()
            }
          }
          const writer = async () => {
            while (performance.now() < until) {
              const lock = await rw.write({ ttl: 10_000, wait: 20_000 })
              writers += 1
              if (readers > 0 || writers > 1) overlaps += 1
              turns.write += 1
              await sleep(5)
              writers -= 1
              await lock.release()
            }
          }
          return n === 0 ? [writer(), reader()] : [reader(), reader()]
        }),
      )
    } finally {
      await Promise.all(managers.map((locks) => locks.close()))
    }
    console.log(
      `read-write lock on ${kind}: ${turns.read} reads by 7 readers, ${turns.write} writes by 1 writer in 2 s`,
    )
    expect(overlaps).toBe(0)
    // Both sides are served: the writer is preferred, yet readers get in between its turns.
    expect(turns.write).toBeGreaterThan(5)
    expect(turns.read).toBeGreaterThan(5)
  })
})
