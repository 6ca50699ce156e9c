import type { RedisHealth, RedisNodeHealth } from '@redlayer/connection'
import { defineKeyspace, type FlushClass } from '@redlayer/keyspace'
import { describe, expect, it } from 'vitest'
import { doctorChecks, worstStatus } from './checks.js'
import type { SentinelReport } from './sentinel-probe.js'

function namespaces(...classes: FlushClass[]) {
  const entries = classes.map((flushClass, i) => [
    `ns${i}`,
    {
      prefix: `ns${i}`,
      description: flushClass,
      ttl: { default: '1m' },
      flushClass,
      whenRedisDown: 'bypass' as const,
      memoryBudgetBytes: 1024 ** 2,
    },
  ])
  return defineKeyspace({ namespaces: Object.fromEntries(entries) }).namespaces
}

function node(overrides: Partial<RedisNodeHealth> = {}): RedisNodeHealth {
  return {
    address: '127.0.0.1:7000',
    ok: true,
    latencyMs: 0.2,
    role: 'master',
    serverVersion: '7.0.15',
    maxmemoryPolicy: 'noeviction',
    maxmemoryBytes: 64 * 1024 ** 2,
    usedMemoryBytes: 1024 ** 2,
    persistence: { aof: true, rdb: false },
    replicas: 1,
    ...overrides,
  }
}

const READY = { ready: true, recovering: true, status: 'ready', revivals: 0 } as const

function standalone(overrides: Partial<RedisNodeHealth> = {}): RedisHealth {
  const one = node(overrides)
  return { ...one, mode: 'standalone', client: READY, nodes: [one] }
}

const byId = (checks: ReturnType<typeof doctorChecks>) => Object.fromEntries(checks.map((c) => [c.id, c]))

describe('doctorChecks', () => {
  it('judges the eviction policy by the flush classes present', () => {
    const cases: [string, FlushClass[], string][] = [
      ['noeviction', ['safe', 'forbidden'], 'ok'],
      ['allkeys-lru', ['safe'], 'ok'],
      ['allkeys-lfu', ['safe', 'disruptive'], 'fail'],
      ['allkeys-lru', ['forbidden'], 'fail'],
      ['volatile-lru', ['safe'], 'ok'],
      ['volatile-ttl', ['safe', 'disruptive'], 'warn'],
      ['volatile-lru', ['disruptive', 'forbidden'], 'fail'],
    ]
    for (const [policy, classes, status] of cases) {
      const checks = byId(
        doctorChecks({ health: standalone({ maxmemoryPolicy: policy }), namespaces: namespaces(...classes) }),
      )
      expect(checks['eviction-policy']?.status, `${policy} with ${classes.join(',')}`).toBe(status)
    }
  })

  it('fails when the server is a replica (writes would fail with READONLY)', () => {
    expect(byId(doctorChecks({ health: standalone(), namespaces: namespaces('safe') })).role?.status).toBe(
      'ok',
    )
    const replica = byId(
      doctorChecks({ health: standalone({ role: 'slave' }), namespaces: namespaces('safe') }),
    )
    expect(replica.role).toEqual({
      id: 'role',
      status: 'fail',
      message: 'connected to a replica: every write fails with READONLY',
    })
  })

  it('warns on maxmemory unset or smaller than the budgets', () => {
    const unset = byId(
      doctorChecks({ health: standalone({ maxmemoryBytes: 0 }), namespaces: namespaces('safe') }),
    )
    expect(unset.maxmemory).toMatchObject({ status: 'warn' })
    const small = byId(
      doctorChecks({ health: standalone({ maxmemoryBytes: 1024 }), namespaces: namespaces('safe', 'safe') }),
    )
    expect(small.maxmemory?.message).toBe('the namespace budgets add up to 2 MiB, more than maxmemory 1 KiB')
    const fits = byId(doctorChecks({ health: standalone(), namespaces: namespaces('safe') }))
    expect(fits.maxmemory).toMatchObject({ status: 'ok' })
  })

  it('asks for persistence only when a namespace is not derived data', () => {
    const none = { persistence: { aof: false, rdb: false } }
    expect(
      byId(doctorChecks({ health: standalone(none), namespaces: namespaces('safe') })).persistence?.status,
    ).toBe('ok')
    expect(
      byId(doctorChecks({ health: standalone(none), namespaces: namespaces('disruptive') })).persistence
        ?.status,
    ).toBe('warn')
    expect(
      byId(doctorChecks({ health: standalone(none), namespaces: namespaces('forbidden') })).persistence
        ?.status,
    ).toBe('fail')
    const rdb = { persistence: { aof: false, rdb: true } }
    expect(
      byId(doctorChecks({ health: standalone(rdb), namespaces: namespaces('forbidden') })).persistence
        ?.status,
    ).toBe('warn')
    const unknown = { persistence: { aof: false, rdb: null } }
    expect(
      byId(doctorChecks({ health: standalone(unknown), namespaces: namespaces('forbidden') })).persistence
        ?.message,
    ).toContain('unknown')
  })

  it('names the masters of a cluster that fail a check, and the cluster state', () => {
    const a = node({ address: '127.0.0.1:7000' })
    const b = node({ address: '127.0.0.1:7001', maxmemoryPolicy: 'allkeys-lru', replicas: 0 })
    const health: RedisHealth = { ...a, mode: 'cluster', client: READY, nodes: [a, b], clusterState: 'fail' }
    const checks = byId(doctorChecks({ health, namespaces: namespaces('forbidden') }))
    expect(checks['eviction-policy']?.status).toBe('fail')
    expect(checks['eviction-policy']?.message).toMatch(/\(127\.0\.0\.1:7001\)$/)
    expect(checks.replicas).toMatchObject({ status: 'warn' })
    expect(checks.replicas?.message).toContain('127.0.0.1:7001')
    expect(checks['cluster-state']).toMatchObject({ status: 'fail', message: 'cluster_state fail' })
  })

  it('checks sentinels: reachable against the quorum, CKQUORUM, a quorum that is no majority', () => {
    const sentinel = (port: number, extra: Partial<SentinelReport> = {}): SentinelReport => ({
      address: `127.0.0.1:${port}`,
      reachable: true,
      quorum: 2,
      otherSentinels: 2,
      replicas: 1,
      ckquorum: { ok: true, message: 'OK 3 usable Sentinels' },
      ...extra,
    })
    const health: RedisHealth = { ...standalone(), mode: 'sentinel' }
    const down = { reachable: false, error: 'connect ECONNREFUSED' }
    const run = (sentinels: SentinelReport[]) =>
      byId(doctorChecks({ health, namespaces: namespaces('safe'), sentinels }))

    expect(run([sentinel(1), sentinel(2), sentinel(3)])['sentinels-reachable']?.status).toBe('ok')
    expect(
      run([sentinel(1), sentinel(2), { address: '127.0.0.1:3', ...down }])['sentinels-reachable']?.status,
    ).toBe('warn')
    expect(
      run([sentinel(1), { address: '127.0.0.1:2', ...down }, { address: '127.0.0.1:3', ...down }])[
        'sentinels-reachable'
      ]?.status,
    ).toBe('fail')
    const noQuorum = run([sentinel(1, { ckquorum: { ok: false, message: 'NOQUORUM 1 usable Sentinels' } })])
    expect(noQuorum['sentinel-quorum']).toMatchObject({
      status: 'fail',
      message: '127.0.0.1:1: NOQUORUM 1 usable Sentinels',
    })
    expect(run([sentinel(1, { quorum: 1 }), sentinel(2, { quorum: 1 })])['sentinel-quorum']?.status).toBe(
      'warn',
    )
    expect(run([])['sentinels-reachable']?.status).toBe('fail')
  })

  it('a sentinel deployment without a replica fails; the worst status decides', () => {
    const health: RedisHealth = { ...standalone({ replicas: 0 }), mode: 'sentinel' }
    expect(
      byId(doctorChecks({ health, namespaces: namespaces('safe'), sentinels: [] })).replicas?.status,
    ).toBe('fail')
    expect(worstStatus(['ok', 'warn'])).toBe('warn')
    expect(worstStatus(['warn', 'fail', 'ok'])).toBe('fail')
    expect(worstStatus([])).toBe('ok')
  })
})
