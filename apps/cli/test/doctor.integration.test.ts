import { once } from 'node:events'
import { createRedis, loadRedisConfig } from '@redlayer/connection'
import { startRedis, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { exampleKeyspaceFor } from '../../example/src/keyspace.js'
import { jsonOf, runCli, runCliInProcess } from './run-cli.js'

interface DoctorResult {
  status: 'ok' | 'warn' | 'fail'
  mode: string
  checks: { id: string; status: string; message: string }[]
  sentinels?: { address: string; reachable: boolean }[]
}

async function doctor(env: Record<string, string>, ...args: string[]) {
  const run = await runCli(['doctor', '--json', ...args], env)
  const doc = jsonOf<DoctorResult>(run)
  const checks = Object.fromEntries((doc.result?.checks ?? []).map((c) => [c.id, c]))
  return { run, result: doc.result, checks }
}

// What the example keyspace (with lock, session, ratelimit) needs of a server.
const GOOD = ['maxmemory 256mb', 'maxmemory-policy noeviction', 'appendonly yes']

describe('redlayer doctor on a standalone server', () => {
  it('fails a server that may evict lock keys (allkeys-lru), has no maxmemory and no persistence', async () => {
    await using server = await startRedis({ config: ['maxmemory-policy allkeys-lru'] })
    const { run, result, checks } = await doctor({ REDIS_URL: server.url })
    expect(run.exitCode).toBe(1)
    expect(result?.status).toBe('fail')
    expect(checks['eviction-policy']).toMatchObject({ status: 'fail' })
    expect(checks['eviction-policy']?.message).toContain(
      'allkeys-lru may evict any key, including the keys of lock',
    )
    expect(checks.maxmemory).toMatchObject({ status: 'warn' })
    expect(checks.persistence).toMatchObject({ status: 'fail' })
    expect(checks.persistence?.message).toContain('the locks held: a second holder can be granted one')
    expect(checks.replicas).toMatchObject({ status: 'warn' })

    const text = await runCliInProcess(['doctor'], { REDIS_URL: server.url })
    expect(text.exitCode).toBe(1)
    expect(text.stdout).toMatch(/^eviction-policy\s+fail\s+allkeys-lru may evict/m)
  })

  it('judges the policy against the keyspace: volatile-lru fails with locks, only warns without them', async () => {
    await using server = await startRedis({
      config: ['maxmemory 64mb', 'maxmemory-policy volatile-lru', 'appendonly yes'],
    })
    const example = await doctor({ REDIS_URL: server.url })
    expect(example.checks['eviction-policy']).toMatchObject({ status: 'fail' })
    expect(example.checks['eviction-policy']?.message).toContain('every redlayer key has one')
    // The example's budgets (250 MiB) do not fit in 64 MiB.
    expect(example.checks.maxmemory).toMatchObject({ status: 'warn' })
    expect(example.checks.maxmemory?.message).toContain('more than maxmemory 64 MiB')

    const orders = await doctor(
      { REDIS_URL: server.url },
      '--keyspace',
      './test/fixtures/orders-keyspace.ts#keyspaceFor',
    )
    expect(orders.run.exitCode).toBe(0)
    expect(orders.checks['eviction-policy']).toMatchObject({ status: 'warn' })
    expect(orders.checks['eviction-policy']?.message).toContain('carts')
  })

  it('passes a well configured server, warning only that it has no replica', async () => {
    await using server = await startRedis({ config: GOOD })
    const { run, result, checks } = await doctor({ REDIS_URL: server.url })
    expect(run.exitCode).toBe(0)
    expect(result?.status).toBe('warn')
    expect(checks['eviction-policy']).toMatchObject({ status: 'ok' })
    expect(checks.maxmemory).toMatchObject({ status: 'ok' })
    expect(checks.persistence).toMatchObject({ status: 'ok' })
    expect(checks.replicas).toMatchObject({
      status: 'warn',
      message: 'no replica: the data lives on one machine',
    })
  })
})

describe('redlayer doctor on Sentinel', () => {
  const topology = useTopology('sentinel', { config: GOOD })

  it('checks replicas, reachable sentinels and the quorum; a sentinel down is a warning', async () => {
    const healthy = await doctor(topology.env)
    expect(healthy.run.exitCode).toBe(0)
    expect(healthy.result).toMatchObject({ status: 'ok', mode: 'sentinel' })
    expect(healthy.checks.replicas).toMatchObject({ status: 'ok', message: '1 connected replica(s)' })
    expect(healthy.checks['sentinels-reachable']).toMatchObject({ status: 'ok' })
    expect(healthy.checks['sentinels-reachable']?.message).toContain(
      '3 of 3 configured sentinels answer (quorum 2)',
    )
    expect(healthy.checks['sentinel-quorum']).toMatchObject({ status: 'ok' })
    expect(healthy.checks['sentinel-quorum']?.message).toContain('OK 3 usable Sentinels')

    // The same group's replica named directly as a standalone server: a configuration mistake.
    const [replica] = await topology.group.replicas()
    const direct = await doctor({ REDIS_URL: replica?.url ?? '' })
    expect(direct.run.exitCode).toBe(1)
    expect(direct.checks.role).toMatchObject({
      status: 'fail',
      message: 'connected to a replica: every write fails with READONLY',
    })

    const [, , third] = topology.group.sentinels
    await third?.kill()
    const degraded = await doctor(topology.env)
    expect(degraded.run.exitCode).toBe(0)
    expect(degraded.checks['sentinels-reachable']).toMatchObject({ status: 'warn' })
    expect(degraded.checks['sentinels-reachable']?.message).toContain('2 of 3 configured sentinels answer')
    expect(degraded.result?.sentinels?.filter((s) => !s.reachable).map((s) => s.address)).toEqual([
      `127.0.0.1:${third?.port}`,
    ])
  })
})

describe('redlayer on Cluster', () => {
  const topology = useTopology('cluster', { config: GOOD })

  it('doctor checks every master and the cluster state; health lists the masters', async () => {
    const { run, result, checks } = await doctor(topology.env)
    expect(run.exitCode).toBe(0)
    expect(result).toMatchObject({ status: 'ok', mode: 'cluster' })
    expect(checks['cluster-state']).toMatchObject({
      status: 'ok',
      message: 'cluster_state ok, 3 masters answer',
    })
    expect(checks.replicas).toMatchObject({ status: 'ok' })

    const health = await runCliInProcess(['health', '--json'], topology.env)
    expect(health.exitCode).toBe(0)
    expect(jsonOf<{ nodes: unknown[]; clusterState: string }>(health).result).toMatchObject({
      clusterState: 'ok',
    })
    expect(jsonOf<{ nodes: unknown[] }>(health).result?.nodes).toHaveLength(3)
  })

  it('audit counts a namespace across the masters; a disruptive flush with --force --reason empties it', async () => {
    const env = { ...topology.env, REDIS_KEY_PREFIX: 'clu' }
    const keyspace = exampleKeyspaceFor('clu')
    const client = createRedis(loadRedisConfig(env))
    try {
      await once(client, 'ready')
      const sessions = Array.from({ length: 45 }, (_, i) => keyspace.family('session', `u${i}`).key('meta'))
      for (const key of sessions) await client.set(key, 'v', 'PX', 60_000)

      const audit = await runCliInProcess(['audit', '--json'], env)
      expect(audit.exitCode).toBe(0)
      const report = jsonOf<{ nodes: string[]; namespaces: { namespace: string; keys: number }[] }>(
        audit,
      ).result
      expect(report?.nodes).toHaveLength(3)
      expect(report?.namespaces.find((ns) => ns.namespace === 'session')?.keys).toBe(45)

      const flush = await runCliInProcess(
        ['flush', 'session', '--force', '--reason', 'cluster test', '--json'],
        env,
      )
      expect(flush.exitCode).toBe(0)
      expect(jsonOf(flush).result).toMatchObject({ deleted: 45, audit: { nodes: 3, reason: 'cluster test' } })
      expect(await Promise.all(sessions.map((key) => client.exists(key)))).toEqual(sessions.map(() => 0))
    } finally {
      client.disconnect()
    }
  })
})
