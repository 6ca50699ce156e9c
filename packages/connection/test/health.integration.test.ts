import { freePort, startRedis } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { checkRedisHealth, createRedis, parseRedisConfig } from '../src/index.js'
import { openClient } from './open-client.js'
import { pauseAndWait } from './paused.js'

describe('checkRedisHealth (standalone)', () => {
  it('reads the memory limit, the eviction policy and both kinds of persistence', async () => {
    await using server = await startRedis({
      config: ['maxmemory 64mb', 'maxmemory-policy allkeys-lru', 'appendonly yes', 'save 3600 1'],
    })
    await using open = await openClient(parseRedisConfig({ url: server.url }))
    const health = await checkRedisHealth(open.client)
    expect(health).toMatchObject({
      ok: true,
      mode: 'standalone',
      address: `127.0.0.1:${server.port}`,
      maxmemoryPolicy: 'allkeys-lru',
      maxmemoryBytes: 64 * 1024 * 1024,
      persistence: { aof: true, rdb: true },
      replicas: 0,
    })
  })

  it('answers when CONFIG is renamed away, with RDB persistence unknown', async () => {
    await using server = await startRedis({ config: ['rename-command CONFIG ""', 'appendonly no'] })
    await using open = await openClient(parseRedisConfig({ url: server.url }))
    const health = await checkRedisHealth(open.client)
    expect(health.ok).toBe(true)
    expect(health.persistence).toEqual({ aof: false, rdb: null })
    expect(health.maxmemoryPolicy).toBe('noeviction')
  })

  it('reports a server that cannot be reached as not ok, without throwing', async () => {
    const port = await freePort()
    const client = createRedis(parseRedisConfig({ url: `redis://127.0.0.1:${port}` }))
    client.on('error', () => {})
    try {
      const health = await checkRedisHealth(client)
      expect(health.ok).toBe(false)
      expect(health.error).toEqual(expect.any(String))
      expect(health.latencyMs).toBeNull()
    } finally {
      client.disconnect()
    }
  })

  it('stops waiting when its signal aborts', async () => {
    await using server = await startRedis()
    await using open = await openClient(parseRedisConfig({ url: server.url, commandTimeoutMs: 10_000 }))
    await pauseAndWait(server)
    try {
      const controller = new AbortController()
      const check = checkRedisHealth(open.client, { signal: controller.signal })
      controller.abort(new Error('shutting down'))
      await expect(check).rejects.toThrow('shutting down')
    } finally {
      server.resume()
    }
  })
})
