import { randomBytes } from 'node:crypto'
import { isRedlayerError, type RedisClient } from '@redlayer/connection'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditKeyspace, defineKeyspace, type NamespaceDefinition } from '../src/index.js'
import { type OpenRedis, openRedis } from './support/open-redis.js'

const policy = (prefix: string, memoryBudgetBytes?: number): NamespaceDefinition => ({
  prefix,
  description: prefix,
  ttl: { default: '1m', max: '10m' },
  flushClass: 'safe',
  whenRedisDown: 'bypass',
  ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
})

function auditedKeyspace() {
  return defineKeyspace({
    prefix: `audit${randomBytes(6).toString('hex')}`,
    namespaces: {
      entity: policy('entity', 1024 * 1024),
      query: policy('entity:query'),
      empty: policy('empty', 1024),
    },
  })
}

describe.each(topologiesFromEnv())('auditKeyspace on %s', (kind) => {
  let topology: Topology
  let redis: OpenRedis
  let client: RedisClient

  beforeAll(async () => {
    topology = await startTopology(kind)
    redis = await openRedis(topology)
    client = redis.client
  })
  afterAll(async () => {
    await redis?.[Symbol.asyncDispose]()
    await topology?.[Symbol.asyncDispose]()
  })

  it('counts the keys a namespace declares untimed (an epoch, fence counters) apart from leaks', async () => {
    const keyspace = defineKeyspace({
      prefix: `untimed${randomBytes(6).toString('hex')}`,
      namespaces: {
        cache: { kind: 'cache' }, // untimed: epoch
        lock: { kind: 'lock' }, // untimed: {*}*:fence
      },
    })
    await Promise.all([
      client.set(keyspace.key('cache', 'epoch'), '1'),
      client.set(keyspace.key('cache', 'epoch-like'), '1'),
      client.set(keyspace.family('lock', 'invoice', 7).key('fence'), '9'),
      client.set(keyspace.family('lock', 'job').key('fence'), '3'),
      // A grouped resource (['jobs', 'entity-counts']): the fence follows the name.
      client.set(keyspace.family('lock', 'jobs').key('entity-counts', 'fence'), '5'),
      client.set(keyspace.family('lock', 'job').key('owner'), 't'),
    ])
    const audit = await auditKeyspace(client, keyspace, { sampleSize: 0 })
    const of = (name: string) => audit.namespaces.find((ns) => ns.namespace === name)
    expect(of('cache')).toMatchObject({ keys: 2, untimed: 1, withoutTtl: 1 })
    expect(of('lock')).toMatchObject({ keys: 4, untimed: 3, withoutTtl: 1 })
  })

  it('counts keys, missing TTLs, TTLs above max, estimated memory and budget use per namespace', async () => {
    const keyspace = auditedKeyspace()
    const value = 'v'.repeat(1_000)
    await Promise.all([
      ...Array.from({ length: 60 }, (_, i) =>
        client.set(keyspace.key('entity', 'user', i), value, 'PX', 60_000),
      ),
      ...Array.from({ length: 4 }, (_, i) => client.set(keyspace.key('entity', 'leak', i), value)),
      ...Array.from({ length: 3 }, (_, i) => client.set(keyspace.key('query', i), 'q', 'PX', 3_600_000)),
      client.rpush(keyspace.family('entity', 'user', 1).key('events'), 'a', 'b'),
      client.set(`${keyspace.prefix}junk`, 'x', 'PX', 60_000),
      client.set(`${keyspace.prefix}entity::not valid`, 'x', 'PX', 60_000),
      client.set(`elsewhere:${keyspace.prefix}entity::x`, 'x', 'PX', 60_000),
    ])

    const audit = await auditKeyspace(client, keyspace, { sampleSize: 10, scanCount: 25 })

    expect(audit).toMatchObject({ complete: true, memoryIsEstimate: true, scanned: 70 })
    expect(audit.nodes).toHaveLength(kind === 'cluster' ? 3 : 1)
    const [entity, query, empty] = audit.namespaces
    expect(entity).toMatchObject({
      namespace: 'entity',
      keys: 65,
      withoutTtl: 5,
      ttlAboveMax: 0,
      sampledKeys: 10,
    })
    // MEMORY USAGE of a 1000-byte string is a little over 1000 bytes; 65 keys, one of them a list.
    expect(entity?.estimatedBytes).toBeGreaterThan(30_000)
    expect(entity?.estimatedBytes).toBeLessThan(200_000)
    expect(entity?.budgetUse).toBeCloseTo((entity?.estimatedBytes ?? 0) / (1024 * 1024), 10)
    expect(query).toMatchObject({
      namespace: 'query',
      keys: 3,
      withoutTtl: 0,
      ttlAboveMax: 3,
      sampledKeys: 3,
    })
    expect(query?.budgetUse).toBeUndefined()
    expect(empty).toMatchObject({ keys: 0, sampledKeys: 0, estimatedBytes: undefined, budgetUse: undefined })
    expect(audit.unclassified.count).toBe(2)
    expect([...audit.unclassified.examples].sort()).toEqual(
      [`${keyspace.prefix}entity::not valid`, `${keyspace.prefix}junk`].sort(),
    )
  })

  it('stops at maxKeys and says the audit is incomplete', async () => {
    const keyspace = auditedKeyspace()
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => client.set(keyspace.key('entity', i), 'v', 'PX', 60_000)),
    )
    const audit = await auditKeyspace(client, keyspace, { maxKeys: 50, scanCount: 10, examples: 0 })
    expect(audit.complete).toBe(false)
    expect(audit.scanned).toBeGreaterThanOrEqual(50)
    expect(audit.scanned).toBeLessThan(120)
  })

  it('runs every round trip through `step`: a page of SCAN and PTTL at a time, then the samples', async () => {
    const keyspace = auditedKeyspace()
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.set(keyspace.key('entity', i), 'v', 'PX', 60_000)),
    )
    let steps = 0
    let inside = false
    const audit = await auditKeyspace(client, keyspace, {
      scanCount: 20,
      sampleSize: 5,
      step: async (call) => {
        expect(inside).toBe(false) // one round trip at a time, none nested
        inside = true
        steps++
        try {
          return await call()
        } finally {
          inside = false
        }
      },
    })
    expect(audit.namespaces[0]).toMatchObject({ keys: 200, sampledKeys: 5 })
    // Many short steps, not one: 200 keys at SCAN COUNT 20 are ten pages or more (COUNT is a
    // hint; a page holds at most about twice as many here), plus the sample's.
    expect(steps).toBeGreaterThanOrEqual(200 / 40 + 1)
    // A step that fails fails the audit with its error (the caller's guard decides what it means).
    const refused = new Error('the guard refused the page')
    await expect(
      auditKeyspace(client, keyspace, {
        step: async () => {
          throw refused
        },
      }),
    ).rejects.toBe(refused)
  })

  it('rejects bad options and honours an aborted signal', async () => {
    const keyspace = auditedKeyspace()
    await expect(auditKeyspace(client, keyspace, { sampleSize: -1 })).rejects.toSatisfy((error) =>
      isRedlayerError(error, 'E_INVALID_OPTIONS'),
    )
    await expect(auditKeyspace(client, keyspace, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    })
  })
})
