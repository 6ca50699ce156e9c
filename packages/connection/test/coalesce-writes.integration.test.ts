import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadRedisConfig, mastersOf, type RedisClient } from '../src/index.js'
import { openClient } from './open-client.js'

// ADR-0010 (issue 18), coalesced writes (`coalesceWrites`, on by default on Cluster only): the first command of a tick is written at once, the
// tick's later ones are buffered (the socket corked) and leave together when it ends (one writev),
// with no timer.

/** Corked writes over every master's socket (the one that got the tick's command, on Cluster). */
const corked = (client: RedisClient): number =>
  mastersOf(client).reduce((sum, node) => sum + ((node.stream as Socket | undefined)?.writableCorked ?? 0), 0)

describe.each(topologiesFromEnv())('coalesced writes on %s', (kind) => {
  let topology: Topology
  beforeAll(async () => {
    topology = await startTopology(kind)
  }, 120_000)
  afterAll(async () => {
    await topology?.[Symbol.asyncDispose]()
  })

  const coalesced = () => openClient(loadRedisConfig(topology.env), { coalesceWrites: true })
  const getBytes = (key: string) => `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`.length
  /** Bytes waiting in the client's sockets (written by ioredis, not yet handed to the kernel). */
  const buffered = (client: RedisClient) =>
    mastersOf(client).reduce(
      (sum, node) => sum + ((node.stream as Socket | undefined)?.writableLength ?? 0),
      0,
    )

  it("writes a tick's first command at once and the next ninety-nine together when the tick ends", async () => {
    await using open = await coalesced()
    const client = open.client
    // One hash tag: every key on one master, so one socket carries them all on Cluster too.
    const keys = Array.from({ length: 100 }, (_, i) => `{coalesce${randomBytes(4).toString('hex')}}:${i}`)
    await Promise.all(keys.map((key) => client.set(key, key, 'PX', 60_000)))
    await new Promise<void>((resolve) => setImmediate(resolve))
    const replies = keys.map((key) => client.get(key))
    // The first went to the kernel; the other 99 wait in the corked socket, none written yet.
    // (Seen on Cluster: ioredis may hand the first two or three of a tick to the socket before the
    // rest, and write to other nodes in the same tick; still one write for nearly all of them.)
    const rest = keys.slice(1).reduce((sum, key) => sum + getBytes(key), 0)
    if (kind === 'cluster') {
      expect(corked(client)).toBeGreaterThanOrEqual(1)
      expect(buffered(client)).toBeGreaterThanOrEqual(rest - 3 * getBytes(keys[0] as string))
    } else {
      expect(corked(client)).toBe(1)
      expect(buffered(client)).toBe(rest)
    }
    await new Promise<void>((resolve) => process.nextTick(resolve))
    expect(corked(client)).toBe(0)
    expect(await Promise.all(replies)).toEqual(keys)
  })

  it('writes a lone command at once: nothing corked, nothing buffered', async () => {
    await using open = await coalesced()
    const client = open.client
    const key = `{lone${randomBytes(4).toString('hex')}}`
    await client.set(key, 'v', 'PX', 60_000)
    await new Promise<void>((resolve) => setImmediate(resolve))
    const reply = client.get(key)
    expect(corked(client)).toBe(0)
    expect(buffered(client)).toBe(0)
    expect(await reply).toBe('v')
  })

  it('keeps the order of commands and their replies across ticks', async () => {
    await using open = await coalesced()
    const client = open.client
    const key = `{order${randomBytes(4).toString('hex')}}`
    // The node's connection open first: on Cluster, ioredis reorders the commands it queues while
    // a node connection opens (seen with and without coalescing; not what is tested here).
    await client.del(key)
    const replies: Promise<unknown>[] = []
    for (let tick = 0; tick < 20; tick++) {
      for (let i = 0; i < 10; i++) replies.push(client.rpush(key, `${tick}:${i}`))
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    const list = await client.lrange(key, 0, -1)
    expect(list).toEqual(Array.from({ length: 200 }, (_, i) => `${Math.floor(i / 10)}:${i % 10}`))
    await client.del(key)
  })

  it('by default coalesces on Cluster only, and `coalesceWrites: false` turns it off there', async () => {
    const tick = async (overrides: { coalesceWrites?: boolean }) => {
      await using open = await openClient(loadRedisConfig(topology.env), overrides)
      const client = open.client
      const keys = Array.from({ length: 10 }, (_, i) => `{plain${randomBytes(4).toString('hex')}}:${i}`)
      await client.get(keys[0] as string) // the keys' node connection open (see the order test)
      await new Promise<void>((resolve) => setImmediate(resolve))
      const replies = keys.map((key) => client.get(key))
      const wasCorked = corked(client) > 0
      expect(await Promise.all(replies)).toEqual(keys.map(() => null))
      return wasCorked
    }
    expect(await tick({})).toBe(kind === 'cluster')
    expect(await tick({ coalesceWrites: false })).toBe(false)
    expect(await tick({ coalesceWrites: true })).toBe(true)
  })
})
