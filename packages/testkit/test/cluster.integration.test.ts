import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLUSTER_SLOTS, type RedisCluster, startCluster } from '../src/index.js'

describe('startCluster', () => {
  // The tests that leave the cluster as they found it share one: a start costs about 3 s. It
  // requires a password, so that the helpers' own connections (and MIGRATE) prove they use it.
  describe('on a shared cluster with a password', () => {
    const password = randomBytes(16).toString('hex')
    let cluster: RedisCluster
    beforeAll(async () => {
      const startedAt = Date.now()
      cluster = await startCluster({ password })
      console.info(`cluster ready in ${Date.now() - startedAt} ms`)
    })
    afterAll(() => cluster?.[Symbol.asyncDispose]())

    it('starts three masters and three replicas covering every slot, and takes writes', async () => {
      const masters = await cluster.masters()
      const replicas = await cluster.replicas()
      expect(masters).toHaveLength(3)
      expect(replicas).toHaveLength(3)
      expect(new Set(replicas.map((replica) => replica.masterId))).toEqual(new Set(masters.map((m) => m.id)))
      const covered = masters.flatMap((m) => m.slots).reduce((sum, [start, end]) => sum + end - start + 1, 0)
      expect(covered).toBe(CLUSTER_SLOTS)
      expect(cluster.env.REDIS_MODE).toBe('cluster')
      expect(cluster.env.REDIS_PASSWORD).toBe(password)
      expect(cluster.env.REDIS_CLUSTER_NODES?.split(',')).toHaveLength(6)

      const client = new Cluster(cluster.startupNodes, { lazyConnect: true, redisOptions: { password } })
      try {
        await client.connect()
        for (let i = 0; i < 20; i++) await client.set(`testkit:cluster:${i}`, String(i))
        for (let i = 0; i < 20; i++) expect(await client.get(`testkit:cluster:${i}`)).toBe(String(i))
      } finally {
        client.disconnect()
      }
    })

    it('moves a slot with its keys to another master, answering ASK while it moves', async () => {
      const keys = ['testkit:{moving}:a', 'testkit:{moving}:b']
      const slot = await cluster.keySlot(keys[0] as string)
      const source = await cluster.slotOwner(slot)
      const target = (await cluster.masters()).find((node) => node.id !== source.id)
      if (!target) throw new Error('no second master')
      const client = new Cluster(cluster.startupNodes, { lazyConnect: true, redisOptions: { password } })
      try {
        await client.connect()
        for (const key of keys) await client.set(key, `value of ${key}`)

        const migration = await cluster.beginSlotMigration(slot, target.id)
        expect(await migration.moveKeys(1)).toBe(1)
        // One key is on the target already, one still on the source: the client follows ASK.
        for (const key of keys) expect(await client.get(key)).toBe(`value of ${key}`)
        await migration.finish()

        expect((await cluster.slotOwner(slot)).id).toBe(target.id)
        await expect(cluster.slotOwner(CLUSTER_SLOTS)).rejects.toThrow(RangeError)
        for (const key of keys) expect(await client.get(key)).toBe(`value of ${key}`)
        const onTarget = new Redis({ port: target.port, lazyConnect: true, password })
        try {
          await onTarget.connect()
          expect(await onTarget.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(keys.length)
        } finally {
          onTarget.disconnect()
        }
      } finally {
        client.disconnect()
      }
    })
  })

  it('promotes the replica of a killed master', async () => {
    await using cluster = await startCluster()
    const [master] = await cluster.masters()
    if (!master) throw new Error('no master')
    const replica = (await cluster.replicas()).find((node) => node.masterId === master.id)
    await master.process.kill()
    const startedAt = Date.now()
    const promoted = await cluster.waitForPromotion(master, { timeoutMs: 30_000 })
    console.info(`cluster failover after kill -9 done in ${Date.now() - startedAt} ms`)
    expect(promoted.id).toBe(replica?.id)
    expect(promoted.slots).toEqual(master.slots)

    // The old master comes back as a replica of the promoted node.
    await master.process.restart()
    await cluster.waitUntilHealthy()
    const returned = (await cluster.topology()).find((node) => node.id === master.id)
    expect(returned?.role).toBe('replica')
    expect(returned?.masterId).toBe(promoted.id)
  })

  it('promotes the replica of a hung (SIGSTOP) master, which rejoins as a replica once resumed', async () => {
    await using cluster = await startCluster()
    const [master] = await cluster.masters()
    if (!master) throw new Error('no master')
    master.process.pause()
    const startedAt = Date.now()
    const promoted = await cluster.waitForPromotion(master, { timeoutMs: 30_000 })
    console.info(`cluster failover after SIGSTOP done in ${Date.now() - startedAt} ms`)
    expect(promoted.masterId).toBeUndefined()
    expect(promoted.slots).toEqual(master.slots)
    master.process.resume()
    await cluster.waitUntilHealthy()
    const returned = (await cluster.topology()).find((node) => node.id === master.id)
    expect(returned).toMatchObject({ role: 'replica', masterId: promoted.id })
  })
})
