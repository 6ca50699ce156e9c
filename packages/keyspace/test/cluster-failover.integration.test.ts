import { randomBytes } from 'node:crypto'
import { mastersOf } from '@redlayer/connection'
import { failPrimary, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { auditKeyspace, defineKeyspace, flushNamespace } from '../src/index.js'
import { allKeys, openRedis } from './support/open-redis.js'

// ADR-0011, ADR-0015: the audit and the flush visit every master, also after a Cluster master
// failed and its replica took over its slots: the promoted replica is visited, the dead master
// is not waited for.
describe.runIf(topologiesFromEnv().includes('cluster'))(
  'keyspace on a Cluster whose master failed over',
  () => {
    const topology = useTopology('cluster')

    it('audits and flushes on each master, the promoted replica included', async () => {
      await using redis = await openRedis(topology)
      const { client } = redis
      const keyspace = defineKeyspace({
        prefix: `ha${randomBytes(4).toString('hex')}`,
        namespaces: {
          cache: {
            prefix: 'cache',
            description: 'cache',
            ttl: { default: '1m' },
            flushClass: 'safe',
            whenRedisDown: 'bypass',
          },
        },
      })
      const keys = Array.from({ length: 300 }, (_, i) => keyspace.key('cache', 'item', i))
      await Promise.all(keys.map((key) => client.set(key, 'v', 'PX', 60_000)))
      // Every replica has them before a master dies: nothing here measures replication loss.
      for (const master of mastersOf(client)) expect(await master.wait(1, 2_000)).toBe(1)
      const failure = await failPrimary(topology, 'kill', { key: keys[0] })
      const promoted = await failure.waitForPromotion()
      // The client learns the new slot map on its next redirection or refresh.
      await expect
        .poll(async () => (await client.get(keys[0] ?? '').catch(() => null)) === 'v', { timeout: 15_000 })
        .toBe(true)
      await expect
        .poll(() => mastersOf(client).map((node) => node.options.port), { timeout: 15_000 })
        .toContain(promoted.port)

      const audit = await auditKeyspace(client, keyspace)
      expect(audit.nodes).toHaveLength(3)
      expect(audit.nodes.join(' ')).toContain(`:${promoted.port}`)
      expect(audit.nodes.join(' ')).not.toContain(`:${failure.failed.port}`)
      expect(audit.namespaces[0]).toMatchObject({ namespace: 'cache', keys: 300 })

      const flushed = await flushNamespace(client, keyspace, 'cache')
      expect(flushed.deleted).toBe(300)
      expect(flushed.perNode).toHaveLength(3)
      for (const node of flushed.perNode) expect(node.deleted).toBeGreaterThan(0)
      expect(await allKeys(client, keyspace.pattern('cache'))).toEqual([])
    })
  },
)
