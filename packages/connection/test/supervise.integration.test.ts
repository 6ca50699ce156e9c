import { setTimeout as sleep } from 'node:timers/promises'
import { startFaultProxy, startRedis, startSentinelGroup } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import {
  checkRedisHealth,
  clientReadiness,
  duplicateForBlocking,
  loadRedisConfig,
  parseRedisConfig,
} from '../src/index.js'
import { openClient } from './open-client.js'

/** Polls `check` every 20 ms until it holds, or fails after `timeoutMs` (generous: a busy machine). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

/**
 * Puts a client in ioredis' ended state on purpose: with a retry strategy that gives up, the next
 * close ends it for good, as a connector that rejects mid-failover or redis/ioredis#2099 does.
 * The strategy is restored at once: only the supervisor can bring the client back.
 */
async function endOnNextClose(client: Redis, close: () => Promise<void>): Promise<void> {
  const strategy = client.options.retryStrategy
  client.options.retryStrategy = () => null
  try {
    await close()
    await until('the client to end', () => client.status === 'end')
  } finally {
    client.options.retryStrategy = strategy
  }
}

// ADR-0010: the client never stays dead. Whatever ends it or silences it, the connection layer
// notices and recovers by itself; readiness says so meanwhile, with the reason.
describe('a supervised client', () => {
  it('comes back by itself after ioredis ended it, and readiness says why it cannot serve meanwhile', async () => {
    await using server = await startRedis()
    await using open = await openClient(parseRedisConfig({ url: server.url, commandTimeoutMs: 300 }))
    const client = open.client as Redis
    await endOnNextClose(client, () => server.kill())
    expect(clientReadiness(client)).toMatchObject({
      ready: false,
      status: 'end',
      reason: expect.stringContaining('ended on its own'),
    })
    const health = await checkRedisHealth(client)
    expect(health).toMatchObject({ ok: false, client: { ready: false, status: 'end' } })
    await server.restart()
    await until('the supervisor to revive the client', () => client.status === 'ready')
    expect(clientReadiness(client)).toMatchObject({ ready: true, revivals: expect.any(Number) })
    expect(clientReadiness(client).revivals).toBeGreaterThanOrEqual(1)
    await expect(client.set('revived', '1')).resolves.toBe('OK')
  })

  it('stays closed when its owner closed it', async () => {
    await using server = await startRedis()
    await using open = await openClient(parseRedisConfig({ url: server.url }))
    await open.client.quit()
    await until('the client to end', () => open.client.status === 'end')
    await sleep(500) // longer than the first revival delay would be
    expect(open.client.status).toBe('end')
    expect(clientReadiness(open.client)).toMatchObject({ ready: false, reason: 'the client was closed' })
  })

  it('replaces a connection that went silent without closing (a blackhole), and recovers when it clears', async () => {
    await using server = await startRedis()
    await using proxy = await startFaultProxy(server.address)
    await using open = await openClient(parseRedisConfig({ url: proxy.url, commandTimeoutMs: 200 }))
    const client = open.client
    await client.set('before', '1')
    proxy.set('blackhole')
    await expect(client.get('before')).rejects.toThrow(/timed out/)
    // ioredis' socketTimeout (2 x the command timeout, at least 1 s) destroys the silent socket.
    await until('the client to give up the silent socket', () => client.status !== 'ready', 10_000)
    expect(clientReadiness(client).ready).toBe(false)
    proxy.set('pass')
    await until('the client to reconnect through the proxy', () => client.status === 'ready')
    await expect(client.get('before')).resolves.toBe('1')
  })

  it('on Sentinel, comes back by itself after it ended with the primary killed, on the promoted replica', async () => {
    await using group = await startSentinelGroup()
    await using open = await openClient(
      loadRedisConfig({ ...group.env, REDIS_COMMAND_TIMEOUT_MS: '300', REDIS_CONNECT_TIMEOUT_MS: '500' }),
    )
    const client = open.client as Redis
    await client.set('before-failover', '1')
    // Its blocking duplicate follows the same group through the same subscriptions: one
    // +switch-master connection per sentinel for the process, not one per client.
    const blocking = duplicateForBlocking(client)
    blocking.on('error', () => undefined)
    const [sentinel] = group.sentinels
    const watchers = async () => {
      const admin = new Redis({ port: sentinel?.port, lazyConnect: true })
      try {
        await admin.connect()
        const list = String(await admin.call('CLIENT', 'LIST'))
        return list.split('\n').filter((line) => line.includes('name=redlayer:switch-master')).length
      } finally {
        admin.disconnect()
      }
    }
    await until('the subscription to reach the sentinel', async () => (await watchers()) >= 1)
    expect(await watchers()).toBe(1)
    const old = await group.primary()
    await endOnNextClose(client, () => old.kill())
    const promoted = await group.waitForPrimaryChange(old.port, 60_000)
    await until(
      'the supervisor to reach the promoted primary',
      async () => {
        if (client.status !== 'ready') return false
        return (await client.set('after-failover', '1').catch(() => 'no')) === 'OK'
      },
      60_000,
    )
    expect(client.stream.remotePort).toBe(promoted.port)
    blocking.disconnect()
  })
})
