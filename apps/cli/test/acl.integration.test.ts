import { once } from 'node:events'
import {
  checkRedisHealth,
  createRedis,
  duplicateForBlocking,
  loadRedisConfig,
  mastersOf,
  type RedisClient,
} from '@redlayer/connection'
import { type StandaloneTopology, startTopology } from '@redlayer/testkit'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleKeyspaceFor } from '../../example/src/keyspace.js'
import { jsonOf, runCli, runCliInProcess } from './run-cli.js'

const PREFIX = 'svc'
const PASSWORD = 'svc-password-1'
const keyspace = exampleKeyspaceFor(PREFIX)

// A Lua script shaped like the packages' (defineCommand: EVALSHA, EVAL on NOSCRIPT): it reads
// TIME, writes its key and publishes on a channel.
const STAMP = `
local now = redis.call('TIME')
redis.call('SET', KEYS[1], now[1], 'PX', 60000)
redis.call('PUBLISH', ARGV[1], 'stamped')
return now[1]
`
type Stamping = Redis & { stamp(key: string, channel: string): Promise<string> }

let topology: StandaloneTopology
let admin: RedisClient
let service: Stamping
let env: Record<string, string>
let rule: { rules: string[]; keyPatterns: string[]; channelPatterns: string[]; command: string }

beforeAll(async () => {
  topology = await startTopology('standalone')
  admin = createRedis(loadRedisConfig(topology.env))
  env = { ...topology.env, REDIS_KEY_PREFIX: PREFIX }
  const printed = await runCli(['acl', 'entity', 'query', '--user', 'svc', '--json'], env)
  expect(printed.exitCode).toBe(0)
  rule = jsonOf<typeof rule>(printed).result as typeof rule
  // The printed rule, as an operator would run it, plus the password it leaves out.
  await admin.call('ACL', 'SETUSER', 'svc', ...rule.rules, `>${PASSWORD}`)
  service = createRedis(
    loadRedisConfig({ ...env, REDIS_USERNAME: 'svc', REDIS_PASSWORD: PASSWORD }),
  ) as Stamping
  service.defineCommand('stamp', { numberOfKeys: 1, lua: STAMP })
  await once(service, 'ready')
})

afterAll(async () => {
  await service?.quit()
  await admin?.quit()
  await topology?.[Symbol.asyncDispose]()
})

const NOPERM = /NOPERM/

describe('redlayer acl', () => {
  it('prints the namespaces as key and channel patterns, the command rules, and no password', async () => {
    expect(rule.keyPatterns).toEqual(['~svc:entity::*', '~svc:cache:query::*'])
    expect(rule.channelPatterns).toEqual(['&svc:entity::*', '&svc:cache:query::*'])
    expect(rule.rules.slice(0, 2)).toEqual(['reset', 'on'])
    // The example's entity and query namespaces are caches: the cache package's commands only.
    expect(rule.rules).toEqual(expect.arrayContaining(['-@all', '+get', '+set', '+evalsha', '+publish']))
    expect(rule.rules.some((r) => r.startsWith('+@'))).toBe(false)
    expect(rule.rules.some((r) => r.startsWith('>') || r.startsWith('#') || r === 'nopass')).toBe(false)
    const text = await runCliInProcess(['acl', 'entity', '--user', 'svc'], env)
    expect(text.exitCode).toBe(0)
    expect(text.stdout.split('\n')[0]).toMatch(
      /^ACL SETUSER svc reset on ~svc:entity::\* &svc:entity::\* -@all /,
    )
  })

  it('lets the service do what redlayer does inside its namespaces', async () => {
    const entity = keyspace.key('entity', 'user', 42)
    const query = keyspace.key('query', 'q1')
    expect(await service.set(entity, 'v', 'PX', 60_000)).toBe('OK')
    expect(await service.get(entity)).toBe('v')
    expect(await service.set(query, 'v', 'PX', 60_000)).toBe('OK')

    // Pub/sub on a namespace channel (the cache bus names its channel with keyspace.key), on a
    // subscriber connection made the way the packages make theirs.
    const channel = keyspace.key('entity', 'bus')
    const subscriber = duplicateForBlocking(service)
    try {
      await subscriber.subscribe(channel)
      const received = once(subscriber, 'message')
      // EVALSHA (NOSCRIPT on first use), then EVAL: TIME, SET, PUBLISH inside the script.
      expect(Number(await service.stamp(entity, channel))).toBeGreaterThan(0)
      expect(await received).toEqual([channel, 'stamped'])
      expect(Number(await service.stamp(entity, channel))).toBeGreaterThan(0)
    } finally {
      subscriber.disconnect()
    }

    const [, found] = await service.scan('0', 'MATCH', keyspace.pattern('entity'), 'COUNT', 1000)
    expect(found).toContain(entity)
    expect(await service.pttl(entity)).toBeGreaterThan(0)
    expect(await service.ping()).toBe('PONG')
    expect(await service.unlink(entity, query)).toBe(2)
    const health = await checkRedisHealth(service)
    expect(health).toMatchObject({ ok: true, role: 'master', persistence: { rdb: null } })
  })

  it('refuses the service outside its namespaces, and FLUSHDB, FLUSHALL, KEYS, CONFIG', async () => {
    const session = keyspace.key('session', 'u1')
    await admin.set(session, 'secret-state', 'PX', 60_000)
    await expect(service.get(session)).rejects.toThrow(NOPERM)
    await expect(service.set(keyspace.key('lock', 'job'), 'x')).rejects.toThrow(NOPERM)
    await expect(service.set('unprefixed', 'x')).rejects.toThrow(NOPERM)
    await expect(service.stamp(session, keyspace.key('entity', 'bus'))).rejects.toThrow(NOPERM)
    await expect(service.publish(keyspace.key('session', 'bus'), 'x')).rejects.toThrow(NOPERM)
    await expect(service.flushdb()).rejects.toThrow(NOPERM)
    await expect(service.flushall()).rejects.toThrow(NOPERM)
    await expect(service.keys('*')).rejects.toThrow(NOPERM)
    await expect(service.config('GET', 'save')).rejects.toThrow(NOPERM)
    await expect(service.call('ACL', 'SETUSER', 'svc', '~*')).rejects.toThrow(NOPERM)
    expect(await admin.get(session)).toBe('secret-state')
  })

  it('runs redlayer itself as the confined user: its namespaces flush, others are refused by Redis', async () => {
    const entities = Array.from({ length: 10 }, (_, i) => keyspace.key('entity', 'e', i))
    for (const key of entities) await admin.set(key, 'v', 'PX', 60_000)
    const sessions = [keyspace.key('session', 'u2')]
    await admin.set(sessions[0] as string, 'v', 'PX', 60_000)
    const asService = { ...env, REDIS_USERNAME: 'svc', REDIS_PASSWORD: PASSWORD }

    const flush = await runCli(['flush', 'entity', '--json'], asService)
    expect(flush.exitCode).toBe(0)
    expect(jsonOf(flush).result).toMatchObject({ deleted: 10 })

    const refused = await runCli(['flush', 'session', '--force', '--reason', 'test', '--json'], asService)
    expect(refused.exitCode).toBe(1)
    expect(jsonOf(refused).error).toMatchObject({ code: 'E_REDIS_REPLY' })
    expect(jsonOf(refused).error?.message).toMatch(NOPERM)
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD)
    expect(await admin.exists(...sessions)).toBe(1)

    const health = await runCliInProcess(['health', '--json'], asService)
    expect(health.exitCode).toBe(0)
  })
})

describe('redlayer acl on Cluster', () => {
  it('the rule covers what a Cluster client needs (slot map, cluster info, redirections) on every master', async () => {
    await using cluster = await startTopology('cluster')
    // ACL users are not replicated: the rule goes to every node, as the README says.
    for (const node of cluster.cluster.nodes) {
      const nodeAdmin = new Redis(node.port, node.host)
      try {
        await nodeAdmin.call('ACL', 'SETUSER', 'svc', ...rule.rules, `>${PASSWORD}`)
      } finally {
        nodeAdmin.disconnect()
      }
    }
    const asService = {
      ...cluster.env,
      REDIS_KEY_PREFIX: PREFIX,
      REDIS_USERNAME: 'svc',
      REDIS_PASSWORD: PASSWORD,
    }
    const client = createRedis(loadRedisConfig(asService))
    try {
      await once(client, 'ready')
      const keys = Array.from({ length: 60 }, (_, i) => keyspace.key('entity', 'c', i))
      for (const key of keys) await client.set(key, 'v', 'PX', 60_000)
      await expect(client.get(keyspace.key('session', 'u3'))).rejects.toThrow(NOPERM)
      expect(mastersOf(client)).toHaveLength(3)

      const flush = await runCliInProcess(['flush', 'entity', '--json'], asService)
      expect(flush.exitCode).toBe(0)
      const result = jsonOf<{ deleted: number; perNode: { deleted: number }[] }>(flush).result
      expect(result?.deleted).toBe(60)
      // Keys of one namespace spread over the slots of all three masters.
      expect(result?.perNode.filter((node) => node.deleted > 0)).toHaveLength(3)

      const health = await runCliInProcess(['health', '--json'], asService)
      expect(health.exitCode).toBe(0)
      expect(jsonOf(health).result).toMatchObject({ ok: true, mode: 'cluster', clusterState: 'ok' })
    } finally {
      client.disconnect()
    }
  })
})
