import { randomBytes } from 'node:crypto'
import { isRedlayerError, mastersOf, type RedisClient } from '@redlayer/connection'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import fc from 'fast-check'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FlushAuditRecord, flushNamespace, type KeyPart } from '../src/index.js'
import { keyPart } from './support/hostile-strings.js'
import { NESTED_NAMES, type NestedName, nestedKeyspace } from './support/nested-keyspace.js'
import { allKeys, type OpenRedis, openRedis } from './support/open-redis.js'

type Keyspace = ReturnType<typeof nestedKeyspace>

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Writes the keys (with a TTL, auto-pipelined) and returns them. */
async function write(client: RedisClient, keys: readonly string[]): Promise<string[]> {
  await Promise.all(keys.map((key) => client.set(key, 'v', 'PX', 120_000)))
  return [...keys]
}

/** One key per namespace and shape (plain, family, no parts, hostile parts). */
function sampleKeys(keyspace: Keyspace): Record<NestedName, string[]> {
  return Object.fromEntries(
    NESTED_NAMES.map((name) => [
      name,
      [
        keyspace.key(name),
        keyspace.key(name, 'query', 'x'),
        keyspace.key(name, 'a:b', '*', '{t}', ''),
        keyspace.key(name, 'v2::x'),
        keyspace.family(name, 'user 1').key('meta'),
        keyspace.family(name, 'user 1').key('events'),
        keyspace.key(name, 'é😀\r\n'),
        keyspace.key(name, 'x'.repeat(10_000)),
      ],
    ]),
  ) as Record<NestedName, string[]>
}

describe.each(topologiesFromEnv())('flushNamespace on %s', (kind) => {
  let topology: Topology
  let redis: OpenRedis
  let client: RedisClient
  const fresh = () => nestedKeyspace(`t${randomBytes(6).toString('hex')}`)

  beforeAll(async () => {
    topology = await startTopology(kind)
    redis = await openRedis(topology)
    client = redis.client
  })
  afterAll(async () => {
    await redis?.[Symbol.asyncDispose]()
    await topology?.[Symbol.asyncDispose]()
  })

  it('deletes exactly its namespace: nested, similar and foreign keys survive', async () => {
    const keyspace = fresh()
    const byName = sampleKeys(keyspace)
    await write(client, Object.values(byName).flat())
    // Keys under the namespace's SCAN pattern that no keyspace built, and another app's key.
    const strays = await write(client, [
      `${keyspace.prefix}cache::a b`,
      `${keyspace.prefix}cache::x{y}`,
      `other${keyspace.prefix}cache::x`,
    ])

    const result = await flushNamespace(client, keyspace, 'cache')

    expect(result).toMatchObject({
      namespace: 'cache',
      flushClass: 'safe',
      dryRun: false,
      deleted: 8,
      matched: 8,
    })
    expect(result.scanned).toBeGreaterThanOrEqual(10) // the pattern also returns the two strays
    expect(result.perNode).toHaveLength(mastersOf(client).length)
    expect(result.perNode.reduce((sum, node) => sum + node.deleted, 0)).toBe(8)
    const expected = [
      ...Object.entries(byName).flatMap(([name, keys]) => (name === 'cache' ? [] : keys)),
      ...strays,
    ]
    expect(await allKeys(client, '*')).toEqual(expect.arrayContaining(expected))
    expect(await allKeys(client, `${keyspace.prefix}*`)).toHaveLength(expected.length - 1)
    expect(await allKeys(client, keyspace.pattern('cache'))).toEqual(strays.slice(0, 2).sort())
  })

  it('dry run counts and deletes nothing', async () => {
    const keyspace = fresh()
    const keys = await write(client, sampleKeys(keyspace).query)
    const result = await flushNamespace(client, keyspace, 'query', { dryRun: true })
    expect(result).toMatchObject({ dryRun: true, matched: keys.length, deleted: 0, audit: undefined })
    expect(await allKeys(client, keyspace.pattern('query'))).toEqual([...keys].sort())
  })

  it('works in small batches across masters and reports progress', async () => {
    const keyspace = fresh()
    const keys = Array.from({ length: 300 }, (_, i) => keyspace.key('cache2', 'item', i))
    await write(client, keys)
    const progress: number[] = []
    const result = await flushNamespace(client, keyspace, 'cache2', {
      batchSize: 7,
      onProgress: (p) => progress.push(p.deleted),
    })
    expect(result.deleted).toBe(300)
    expect(progress.length).toBeGreaterThan(1)
    expect(await allKeys(client, keyspace.pattern('cache2'))).toEqual([])
  })

  it('refuses a disruptive flush without force and a reason, logs an audit record with them', async () => {
    const keyspace = fresh()
    const keys = await write(client, sampleKeys(keyspace).session)
    for (const options of [{}, { force: true }, { reason: 'rotate' }, { force: true, reason: '  ' }]) {
      const error = await rejection(flushNamespace(client, keyspace, 'session', options))
      expect(isRedlayerError(error, 'E_FLUSH_REFUSED')).toBe(true)
    }
    expect(await allKeys(client, keyspace.pattern('session'))).toHaveLength(keys.length)
    // A dry run is harmless: allowed without force.
    expect((await flushNamespace(client, keyspace, 'session', { dryRun: true })).matched).toBe(keys.length)

    const logged: { level: string; record: object; message: string }[] = []
    const logger = {
      info: (record: object, message: string) => logged.push({ level: 'info', record, message }),
      warn: (record: object, message: string) => logged.push({ level: 'warn', record, message }),
    }
    const result = await flushNamespace(client, keyspace, 'session', {
      force: true,
      reason: 'signing key rotated',
      logger,
    })
    expect(result.deleted).toBe(keys.length)
    expect(result.audit).toMatchObject<Partial<FlushAuditRecord>>({
      event: 'keyspace.flush',
      namespace: 'session',
      flushClass: 'disruptive',
      reason: 'signing key rotated',
      forced: true,
      outcome: 'completed',
      deleted: keys.length,
    })
    expect(logged).toEqual([{ level: 'warn', record: result.audit, message: 'disruptive keyspace flush' }])
    // Counts only: no key and no value in the record.
    expect(JSON.stringify(result.audit)).not.toContain(keyspace.prefix)
  })

  it('always refuses a forbidden namespace, force or not', async () => {
    const keyspace = fresh()
    const keys = await write(client, sampleKeys(keyspace).lock)
    for (const options of [{}, { force: true, reason: 'please' }, { dryRun: true }]) {
      const error = await rejection(flushNamespace(client, keyspace, 'lock', options))
      expect(isRedlayerError(error, 'E_FLUSH_FORBIDDEN')).toBe(true)
    }
    expect(await allKeys(client, keyspace.pattern('lock'))).toHaveLength(keys.length)
  })

  it('rejects bad options and unknown namespaces, and stops on an aborted signal', async () => {
    const keyspace = fresh()
    for (const options of [{ batchSize: 0 }, { batchSize: 1.5 }, { dryRun: 'yes' as unknown as boolean }]) {
      expect(
        isRedlayerError(
          await rejection(flushNamespace(client, keyspace, 'cache', options)),
          'E_INVALID_OPTIONS',
        ),
      ).toBe(true)
    }
    const unknown = await rejection(flushNamespace(client, keyspace, 'nope' as 'cache'))
    expect(isRedlayerError(unknown, 'E_UNKNOWN_NAMESPACE')).toBe(true)
    const keys = await write(client, sampleKeys(keyspace).c)
    const aborted = await rejection(flushNamespace(client, keyspace, 'c', { signal: AbortSignal.abort() }))
    expect((aborted as Error).name).toBe('AbortError')
    expect(await allKeys(client, keyspace.pattern('c'))).toHaveLength(keys.length)
  })

  // Only a Cluster client has a slot map to lack.
  if (kind === 'cluster') {
    it('treats a cluster client that has no slot map yet as an outage', async () => {
      const nodes = (topology.env.REDIS_CLUSTER_NODES ?? '').split(',').map((address) => {
        const [host, port] = address.split(':')
        return { host: host as string, port: Number(port) }
      })
      const lazy = new Cluster(nodes, { lazyConnect: true })
      try {
        const error = await rejection(flushNamespace(lazy, fresh(), 'cache'))
        expect(isRedlayerError(error, 'E_REDIS_UNAVAILABLE')).toBe(true)
      } finally {
        lazy.disconnect()
      }
    })
  }

  it('property: a flush touches exactly its own keys, whatever the parts', async () => {
    const entry = fc.record({
      name: fc.constantFrom(...NESTED_NAMES),
      parts: fc.array(keyPart, { maxLength: 3 }),
      family: fc.boolean(),
    })
    const flushable = fc.constantFrom(...NESTED_NAMES.filter((name) => name !== 'lock' && name !== 'session'))
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 40 }),
        flushable,
        async (entries, target) => {
          const keyspace = fresh()
          const build = ({ name, parts, family }: { name: NestedName; parts: KeyPart[]; family: boolean }) =>
            family && parts.length > 0
              ? keyspace.family(name, ...parts.slice(0, 1)).key(...parts.slice(1))
              : keyspace.key(name, ...parts)
          const keys = [...new Set(entries.map(build))]
          await write(client, keys)
          const own = keys.filter((key) => keyspace.classify(key) === target)
          const result = await flushNamespace(client, keyspace, target, { batchSize: 10 })
          const left = await allKeys(client, `${keyspace.prefix}*`)
          expect(result.deleted).toBe(own.length)
          expect(left).toEqual(keys.filter((key) => !own.includes(key)).sort())
          // Clean up this run's keys (every namespace but the forbidden one is flushable).
          for (const name of NESTED_NAMES.filter((n) => n !== 'lock')) {
            await flushNamespace(client, keyspace, name, { force: true, reason: 'test cleanup' })
          }
        },
      ),
      { numRuns: 25 },
    )
  })
})
