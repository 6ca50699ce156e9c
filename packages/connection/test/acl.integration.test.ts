import { randomBytes } from 'node:crypto'
import { startRedis } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { checkRedisHealth, createRedis, loadRedisConfig } from '../src/index.js'
import { openClient } from './open-client.js'

const ADMIN_PASSWORD = randomBytes(16).toString('hex')
const APP_PASSWORD = randomBytes(16).toString('hex')

/** A server whose default user needs a password, with an ACL user `app` limited to `app:*` keys and no CONFIG. */
async function startWithAclUser() {
  const server = await startRedis({ config: [`requirepass ${ADMIN_PASSWORD}`] })
  const admin = new Redis({
    port: server.port,
    host: server.host,
    password: ADMIN_PASSWORD,
    lazyConnect: true,
  })
  try {
    await admin.connect()
    await admin.call(
      'ACL',
      'SETUSER',
      'app',
      'on',
      `>${APP_PASSWORD}`,
      '~app:*',
      'resetchannels',
      '+@all',
      '-config',
    )
  } finally {
    admin.disconnect()
  }
  return server
}

describe('ACL users', () => {
  it('connects with REDIS_USERNAME / REDIS_PASSWORD and acts within the user rights', async () => {
    await using server = await startWithAclUser()
    const config = loadRedisConfig({
      REDIS_URL: server.url,
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: APP_PASSWORD,
    })
    await using open = await openClient(config)
    expect(await open.client.call('ACL', 'WHOAMI')).toBe('app')
    expect(await open.client.set('app:greeting', 'hi')).toBe('OK')
    await expect(open.client.set('other:greeting', 'hi')).rejects.toThrow(/NOPERM/)
    // CONFIG is denied to this user: the health check still answers, with RDB persistence unknown.
    const health = await checkRedisHealth(open.client)
    expect(health.ok).toBe(true)
    expect(health.persistence.rdb).toBeNull()
  })

  it('takes the credentials from the URL too', async () => {
    await using server = await startWithAclUser()
    const config = loadRedisConfig({ REDIS_URL: `redis://app:${APP_PASSWORD}@${server.host}:${server.port}` })
    await using open = await openClient(config)
    expect(await open.client.call('ACL', 'WHOAMI')).toBe('app')
  })

  it('a wrong password fails the connection with an error that does not contain it', async () => {
    await using server = await startWithAclUser()
    const wrong = randomBytes(16).toString('hex')
    const client = createRedis(
      loadRedisConfig({ REDIS_URL: server.url, REDIS_USERNAME: 'app', REDIS_PASSWORD: wrong }),
    )
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    try {
      await expect(client.ping()).rejects.toThrow()
      expect(errors.map((e) => e.message).join('\n')).toMatch(/WRONGPASS/)
      expect(errors.map((e) => `${e.message}${e.stack}`).join('\n')).not.toContain(wrong)
    } finally {
      client.disconnect()
    }
  })
})
