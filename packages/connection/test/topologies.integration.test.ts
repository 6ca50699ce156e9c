import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { Cluster, type Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkRedisHealth,
  describeRedisConfig,
  duplicateForBlocking,
  loadRedisConfig,
  mastersOf,
  type RedisConfig,
} from '../src/index.js'
import { openClient } from './open-client.js'

// ADR-0015: one switch in the environment moves from standalone to Sentinel to Cluster; the same
// test code runs on each (REDLAYER_TOPOLOGIES narrows the list).
describe.each(topologiesFromEnv())('on %s', (kind) => {
  let topology: Topology
  let config: RedisConfig
  const prefix = () => `conn:${randomBytes(8).toString('hex')}`

  beforeAll(async () => {
    topology = await startTopology(kind)
    config = loadRedisConfig(topology.env)
  })
  afterAll(async () => {
    await topology?.[Symbol.asyncDispose]()
  })

  it('loads the mode from the environment and describes it', () => {
    expect(config.mode).toBe(kind)
    expect(describeRedisConfig(config)).toContain(`Redis connection (${kind})`)
  })

  it('creates the right client, which serves many concurrent commands across slots', async () => {
    await using open = await openClient(config)
    const client = open.client
    expect(client instanceof Cluster).toBe(kind === 'cluster')
    const p = prefix()
    const keys = Array.from({ length: 200 }, (_, i) => `${p}:${i}`)
    // One connection serves 200 concurrent commands, none waiting for another's reply.
    expect(await Promise.all(keys.map((key, i) => client.set(key, String(i))))).toEqual(keys.map(() => 'OK'))
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(keys.map((_, i) => String(i)))
    expect(await Promise.all(keys.map(() => client.incr(`${p}:counter`)))).toHaveLength(200)
    expect(await client.get(`${p}:counter`)).toBe('200')
    expect(client.options.enableOfflineQueue).toBe(false)
  })

  it('mastersOf lists the connections that own the keyspace', async () => {
    await using open = await openClient(config)
    const masters = mastersOf(open.client)
    expect(masters).toHaveLength(kind === 'cluster' ? 3 : 1)
    const roles = await Promise.all(
      masters.map(async (m: Redis) => (await m.info('replication')).match(/role:(\w+)/)?.[1]),
    )
    expect(roles).toEqual(masters.map(() => 'master'))
  })

  it('checkRedisHealth reports mode, role, version, memory policy, persistence and replicas', async () => {
    await using open = await openClient(config)
    const health = await checkRedisHealth(open.client)
    expect(health).toMatchObject({
      ok: true,
      mode: kind,
      role: 'master',
      maxmemoryPolicy: expect.any(String),
      persistence: { aof: expect.any(Boolean), rdb: expect.any(Boolean) },
      // One replica per primary in the Sentinel group and in the cluster.
      replicas: kind === 'standalone' ? 0 : kind === 'sentinel' ? 1 : 3,
    })
    expect(health.serverVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(health.latencyMs).toBeGreaterThanOrEqual(0)
    expect(health.usedMemoryBytes).toBeGreaterThan(0)
    expect(health.nodes).toHaveLength(kind === 'cluster' ? 3 : 1)
    expect(health.nodes.every((node) => node.ok && /:\d+$/.test(node.address))).toBe(true)
    if (kind === 'cluster') expect(health.clusterState).toBe('ok')
  })

  it('duplicateForBlocking gives a blocking pop its own connection; the shared one keeps working', async () => {
    await using open = await openClient(config)
    const blocking = duplicateForBlocking(open.client)
    blocking.on('error', () => {})
    try {
      const list = `${prefix()}:queue`
      // Longer than the 500 ms command timeout of the shared client: the duplicate has none.
      const popped = blocking.blpop(list, 5)
      await sleep(700)
      expect(await open.client.ping()).toBe('PONG')
      await open.client.rpush(list, 'job-1')
      expect(await popped).toEqual([list, 'job-1'])
    } finally {
      blocking.disconnect()
    }
  })

  if (kind === 'sentinel') {
    it('follows a Sentinel failover to the new primary', async () => {
      if (topology.kind !== 'sentinel') throw new Error('unreachable')
      await using open = await openClient(config)
      const client = open.client as Redis
      const key = `${prefix()}:after-failover`
      const oldPrimary = await topology.group.primary()
      expect(client.stream.remotePort).toBe(oldPrimary.port)
      const newPrimary = await topology.group.failover()
      // Writes may fail fast during the switch (ADR-0010); within a bound they reach the new primary.
      const deadline = Date.now() + 20_000
      let written = false
      while (!written && Date.now() < deadline) {
        written = await client.set(key, 'v').then(
          () => true,
          () => false,
        )
        if (!written) await sleep(100)
      }
      expect(written).toBe(true)
      expect(client.stream.remotePort).toBe(newPrimary.port)
      expect((await checkRedisHealth(client)).role).toBe('master')
    })
  }
})
