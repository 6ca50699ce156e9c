import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTopology } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { loadRedisConfig, mastersOf } from '../src/index.js'
import { openClient } from './open-client.js'

const APP_PASSWORD = randomBytes(16).toString('hex')
const SENTINEL_PASSWORD = randomBytes(16).toString('hex')

async function onEach(addresses: { host: string; port: number }[], ...command: string[]): Promise<void> {
  for (const { host, port } of addresses) {
    const admin = new Redis({ host, port, lazyConnect: true })
    try {
      await admin.connect()
      await admin.call(command[0] as string, ...command.slice(1))
    } finally {
      admin.disconnect()
    }
  }
}

async function clientUsers(address: { host: string; port: number }): Promise<string[]> {
  const admin = new Redis({ ...address, lazyConnect: true })
  try {
    await admin.connect()
    const list = String(await admin.call('CLIENT', 'LIST'))
    return [...list.matchAll(/ user=(\S+)/g)].map((match) => match[1] as string)
  } finally {
    admin.disconnect()
  }
}

describe('ACL users in Sentinel mode', () => {
  it('authenticates to the sentinels and to the data nodes with their own credentials', async () => {
    await using topology = await startTopology('sentinel')
    const { group } = topology
    // ACL users are not replicated: create them on every data node and every sentinel.
    await onEach(
      group.nodes.map((n) => n.address),
      ...['ACL', 'SETUSER', 'app', 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all'],
    )
    await onEach(
      group.sentinelAddresses,
      ...['ACL', 'SETUSER', 'watcher', 'on', `>${SENTINEL_PASSWORD}`, '~*', '&*', '+@all'],
    )
    const config = loadRedisConfig({
      ...topology.env,
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: APP_PASSWORD,
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
    })
    await using open = await openClient(config)
    expect(await open.client.call('ACL', 'WHOAMI')).toBe('app')
    expect(await open.client.set('acl:sentinel', 'ok')).toBe('OK')
    // The failover detector keeps subscriptions open on the sentinels, as the sentinel user; they
    // are opened right after the connect, so look for them for a few seconds at most.
    let users: string[] = []
    for (let attempt = 0; attempt < 50 && !users.includes('watcher'); attempt++) {
      if (attempt > 0) await sleep(100)
      users = (await Promise.all(group.sentinelAddresses.map(clientUsers))).flat()
    }
    expect(users).toContain('watcher')
  })
})

describe('ACL users in Cluster mode', () => {
  it('every master connection (and the slot refreshes) authenticates as the ACL user', async () => {
    await using topology = await startTopology('cluster')
    await onEach(
      topology.cluster.nodes.map((n) => n.address),
      ...['ACL', 'SETUSER', 'app', 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all'],
    )
    // The default user is switched off: only the credentials of the config can work.
    await onEach(
      topology.cluster.nodes.map((n) => n.address),
      'ACL',
      'SETUSER',
      'default',
      'off',
    )
    const config = loadRedisConfig({ ...topology.env, REDIS_USERNAME: 'app', REDIS_PASSWORD: APP_PASSWORD })
    await using open = await openClient(config)
    const keys = Array.from({ length: 50 }, (_, i) => `acl:cluster:${i}`)
    expect(await Promise.all(keys.map((key) => open.client.set(key, key)))).toEqual(keys.map(() => 'OK'))
    const whoami = await Promise.all(mastersOf(open.client).map((master) => master.call('ACL', 'WHOAMI')))
    expect(whoami).toEqual(['app', 'app', 'app'])
  })
})
