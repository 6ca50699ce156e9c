import type { RedisHealth, RedisNodeHealth } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { formatHealthReport } from './health-report.js'

const node: RedisNodeHealth = {
  address: '127.0.0.1:7000',
  ok: true,
  latencyMs: 0.25,
  role: 'master',
  serverVersion: '7.0.15',
  maxmemoryPolicy: 'noeviction',
  maxmemoryBytes: 256 * 1024 ** 2,
  usedMemoryBytes: 1536 * 1024,
  persistence: { aof: true, rdb: false },
  replicas: 1,
}

const READY = { ready: true, recovering: true, status: 'ready', revivals: 0 } as const

describe('formatHealthReport', () => {
  it('shows mode, version, role, latency, memory and policy, persistence and replicas', () => {
    const report = formatHealthReport({ ...node, mode: 'sentinel', client: READY, nodes: [node] })
    expect(report.split('\n')).toEqual([
      'Redis health: ok',
      '  mode              sentinel',
      '  address           127.0.0.1:7000',
      '  server version    7.0.15',
      '  role              master',
      '  latency           0.250 ms (one PING)',
      '  memory            1.5 MiB used, limit 256 MiB',
      '  maxmemory-policy  noeviction',
      '  persistence       AOF on, RDB snapshots off',
      '  replicas          1',
    ])
  })

  it('says what is unknown and why the server is not ok', () => {
    const down: RedisHealth = {
      address: '10.0.0.1:6379',
      ok: false,
      latencyMs: null,
      role: null,
      serverVersion: null,
      maxmemoryPolicy: null,
      maxmemoryBytes: null,
      usedMemoryBytes: null,
      persistence: { aof: null, rdb: null },
      replicas: null,
      error: 'Connection is closed.',
      mode: 'standalone',
      client: {
        ready: false,
        recovering: true,
        status: 'reconnecting',
        reason: 'the client is reconnecting',
        revivals: 0,
      },
      nodes: [],
    }
    const report = formatHealthReport(down)
    expect(report).toContain('Redis health: NOT ok (Connection is closed.)')
    expect(report).toContain('memory            unknown, limit unknown')
    expect(report).toContain('persistence       AOF unknown, RDB snapshots unknown')
  })

  it('lists every master in cluster mode, with the cluster state', () => {
    const other = { ...node, address: '127.0.0.1:7001', maxmemoryBytes: 0, ok: false, error: 'timeout' }
    const report = formatHealthReport({
      ...node,
      mode: 'cluster',
      client: READY,
      clusterState: 'ok',
      address: '127.0.0.1:7000, 127.0.0.1:7001',
      nodes: [node, other],
    })
    expect(report).toContain('  cluster state     ok')
    expect(report.split('Masters:\n')[1]?.split('\n')).toEqual([
      '  address         ok           latency   memory                       replicas',
      '  127.0.0.1:7000  yes          0.250 ms  1.5 MiB used, limit 256 MiB  1',
      '  127.0.0.1:7001  no: timeout  0.250 ms  1.5 MiB used, no limit       1',
    ])
  })
})
