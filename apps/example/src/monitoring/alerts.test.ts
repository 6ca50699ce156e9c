import { describe, expect, it } from 'vitest'
import { type AlertInputs, evaluateAlerts } from './alerts.js'
import type { OperationWindowSummary } from './operation-window.js'
import type { ServerStats } from './server-stats.js'
import { ALERT_THRESHOLDS } from './thresholds.js'

const latency = { p50: 0.3, p95: 0.8, p99: 2, max: 12, mean: 0.4 }
const calm: OperationWindowSummary = {
  operations: 1000,
  capacity: 10_000,
  windowMs: 300_000,
  latencyMs: latency,
  byOutcome: { ok: 1000, failure: 0, timeout: 0, error: 0, short_circuit: 0 },
  errorRate: 0,
}
const server: ServerStats = {
  masters: 1,
  usedMemoryBytes: 100,
  maxmemoryBytes: 1000,
  maxmemoryPolicy: 'noeviction',
  connectedClients: 10,
  maxClients: 10_000,
  evictedKeys: 0,
  expiredKeys: 0,
  keyspaceHits: 0,
  keyspaceMisses: 0,
  opsPerSecond: 0,
}
const inputs = (changes: Partial<AlertInputs> = {}): AlertInputs => ({
  breaker: 'closed',
  operations: calm,
  server,
  recentEvictions: 0,
  cacheLookups: 1000,
  cacheHitRatio: 0.95,
  ...changes,
})
const names = (changes: Partial<AlertInputs>) =>
  evaluateAlerts(inputs(changes), ALERT_THRESHOLDS).map((a) => a.name)

describe('evaluateAlerts', () => {
  it('raises nothing when every figure is within its threshold', () => {
    expect(evaluateAlerts(inputs(), ALERT_THRESHOLDS)).toEqual([])
  })

  it('warns above 80 % of maxmemory and is critical above 90 %, not at the threshold itself', () => {
    expect(names({ server: { ...server, usedMemoryBytes: 800 } })).toEqual([])
    expect(names({ server: { ...server, usedMemoryBytes: 801 } })).toEqual(['RedisMemoryHigh'])
    expect(names({ server: { ...server, usedMemoryBytes: 900 } })).toEqual(['RedisMemoryHigh'])
    expect(names({ server: { ...server, usedMemoryBytes: 901 } })).toEqual(['RedisMemoryCritical'])
    expect(names({ server: { ...server, usedMemoryBytes: 5_000, maxmemoryBytes: 0 } })).toEqual([])
  })

  it('alerts on an error rate above 5 %, a p99 above 50 ms, connections above 90 %, any eviction', () => {
    expect(names({ operations: { ...calm, errorRate: 0.05 } })).toEqual([])
    expect(names({ operations: { ...calm, errorRate: 0.051 } })).toEqual(['RedisErrorRateHigh'])
    expect(names({ operations: { ...calm, latencyMs: { ...latency, p99: 50.5 } } })).toEqual([
      'RedisSlowOperations',
    ])
    expect(names({ server: { ...server, connectedClients: 9_001 } })).toEqual(['RedisConnectionsHigh'])
    expect(names({ recentEvictions: 1 })).toEqual(['RedisEvictions'])
  })

  it('puts the breaker first when it is not closed, and judges the hit ratio only after enough lookups', () => {
    const alerts = evaluateAlerts(inputs({ breaker: 'open', cacheHitRatio: 0.5 }), ALERT_THRESHOLDS)
    expect(alerts.map((a) => [a.name, a.severity])).toEqual([
      ['RedisBreakerOpen', 'critical'],
      ['CacheHitRatioLow', 'info'],
    ])
    expect(names({ cacheHitRatio: 0.5, cacheLookups: 99 })).toEqual([])
    expect(names({ breaker: 'half-open' })).toEqual(['RedisBreakerOpen'])
  })

  it('judges the error rate and the p99 only over enough operations: a few slow start-up calls are not an alert', () => {
    const few = { ...calm, operations: 14, errorRate: 1 / 14, latencyMs: { ...latency, p99: 318 } }
    expect(names({ operations: few })).toEqual([])
    expect(names({ operations: { ...few, operations: 100 } })).toEqual([
      'RedisErrorRateHigh',
      'RedisSlowOperations',
    ])
  })
})
