import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startRedis } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { createRedis, parseRedisConfig } from '../src/index.js'
import { nextEvent, openClient } from './open-client.js'
import { pauseAndWait } from './paused.js'

// ADR-0010: a Redis outage costs a caller milliseconds. Timings are upper bounds only, and
// generous (several times the configured timeout): the machine is shared and noisy.
const COMMAND_TIMEOUT_MS = 200

async function elapsed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now()
  try {
    await work()
    return { ms: performance.now() - started, error: undefined }
  } catch (error) {
    return { ms: performance.now() - started, error }
  }
}

describe('fast fail (standalone)', () => {
  it('a command to a paused server fails after about the command timeout', async () => {
    await using server = await startRedis()
    await using open = await openClient(
      parseRedisConfig({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
    )
    await open.client.set('fast-fail:paused', '1')
    await pauseAndWait(server)
    try {
      const { ms, error } = await elapsed(() => open.client.get('fast-fail:paused'))
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toMatch(/timed out/i)
      expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS * 5)
    } finally {
      server.resume()
    }
    // The connection was never lost: once the server runs again, the client simply works.
    expect(await open.client.get('fast-fail:paused')).toBe('1')
  })

  it('once the connection is known to be down, commands fail at once instead of queueing', async () => {
    await using server = await startRedis()
    await using open = await openClient(
      parseRedisConfig({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
    )
    const closed = nextEvent(open.client, 'close')
    await server.kill()
    await closed
    const { ms, error } = await elapsed(() => open.client.get('fast-fail:killed'))
    // Rejected by the disabled offline queue, not by the command timeout: it never waited.
    expect((error as Error).message).toMatch(/enableOfflineQueue options is false/)
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS)
  })

  it('a command in flight when the connection drops fails at once and is not resent', async () => {
    await using server = await startRedis()
    // A long command timeout, so that only the dropped connection can explain a quick failure.
    await using open = await openClient(parseRedisConfig({ url: server.url, commandTimeoutMs: 10_000 }))
    const admin = new Redis(server.url)
    try {
      const id = await open.client.client('ID')
      // The server holds the write unanswered (in flight), then drops that client's connection.
      await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE')
      const inFlight = elapsed(() => open.client.incr('fast-fail:in-flight'))
      await sleep(100)
      await admin.call('CLIENT', 'KILL', 'ID', String(id))
      const { ms, error } = await inFlight
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).not.toMatch(/timed out/i)
      expect(ms).toBeLessThan(5_000)
      await admin.call('CLIENT', 'UNPAUSE')
      if (open.client.status !== 'ready') await nextEvent(open.client, 'ready')
      // Not resent on the new connection: the write never happened.
      expect(await open.client.get('fast-fail:in-flight')).toBeNull()
    } finally {
      admin.disconnect()
    }
  })

  it('never gives up reconnecting, and works again when the server is back', async () => {
    await using server = await startRedis()
    await using open = await openClient(parseRedisConfig({ url: server.url }))
    const client = open.client as Redis
    await server.kill()
    // Let a few reconnect attempts fail (each refused at once), then bring the server back.
    for (let attempt = 0; attempt < 3; attempt++) await nextEvent(client, 'reconnecting')
    await server.restart()
    await nextEvent(client, 'ready')
    expect(await client.set('fast-fail:back', 'yes')).toBe('OK')
    // The offline queue stays off after a reconnect, not only after the first connect.
    expect(client.options.enableOfflineQueue).toBe(false)
  })

  it('commands sent before the first ready are queued and run', async () => {
    await using server = await startRedis()
    const client = createRedis(parseRedisConfig({ url: server.url }))
    client.on('error', () => {})
    try {
      expect(client.status).not.toBe('ready')
      expect(await Promise.all([client.set('fast-fail:early', 'a'), client.get('fast-fail:early')])).toEqual([
        'OK',
        'a',
      ])
    } finally {
      client.disconnect()
    }
  })

  it('a command issued while no server has ever answered fails with the first refused connect', async () => {
    const port = await freePort()
    const client = createRedis(parseRedisConfig({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }))
    client.on('error', () => {})
    try {
      const { ms, error } = await elapsed(() => client.ping())
      expect((error as Error).name).toBe('MaxRetriesPerRequestError')
      expect(ms).toBeLessThan(2_500)
    } finally {
      client.disconnect()
    }
  })

  it('a write that meets READONLY fails, is not resent, and the client reconnects', async () => {
    await using primary = await startRedis()
    await using node = await startRedis()
    await using open = await openClient(parseRedisConfig({ url: node.url }))
    const client = open.client as Redis
    // Demote the node the client talks to, as a Sentinel failover does to the old primary.
    await client.call('REPLICAOF', primary.host, String(primary.port))
    const reconnecting = nextEvent(client, 'reconnecting')
    await expect(client.set('fast-fail:readonly', 'lost')).rejects.toThrow(/^READONLY/)
    await reconnecting
    await nextEvent(client, 'ready')
    await client.call('REPLICAOF', 'NO', 'ONE')
    // Not resent after the reconnect: the key was never written by the failed command.
    expect(await client.exists('fast-fail:readonly')).toBe(0)
    expect(await client.set('fast-fail:readonly', 'now')).toBe('OK')
  })
})
