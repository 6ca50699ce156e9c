import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { startRedis } from '../src/index.js'
import { expectGone } from './process-gone.js'

function client(port: number): Redis {
  return new Redis({
    port,
    lazyConnect: true,
    commandTimeout: 300,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
}

describe('RedisProcess', () => {
  it('hangs while paused and answers again after resume', async () => {
    await using server = await startRedis()
    const redis = client(server.port)
    try {
      await redis.connect()
      expect(await redis.ping()).toBe('PONG')
      server.pause()
      expect(server.paused).toBe(true)
      await expect(redis.ping()).rejects.toThrow(/timed out/i)
      server.resume()
      expect(server.paused).toBe(false)
      expect(await redis.ping()).toBe('PONG')
    } finally {
      redis.disconnect()
    }
  })

  it('is gone after kill and serves on the same port after restart', async () => {
    await using server = await startRedis()
    const firstPid = server.pid
    await server.kill()
    expect(server.running).toBe(false)
    expectGone([firstPid])
    await server.restart()
    expect(server.running).toBe(true)
    expect(server.pid).not.toBe(firstPid)
    const redis = client(server.port)
    try {
      await redis.connect()
      expect(await redis.set('testkit:restart', 'ok')).toBe('OK')
    } finally {
      redis.disconnect()
    }
  })

  it('kills a paused server on disposal', async () => {
    const server = await startRedis()
    const pid = server.pid
    server.pause()
    await server[Symbol.asyncDispose]()
    expectGone([pid])
  })

  it('reports a server that cannot start with its own log', async () => {
    await expect(startRedis({ config: ['no-such-directive yes'] })).rejects.toThrow(/no-such-directive/)
  })
})
