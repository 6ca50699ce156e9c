import type { BreakerState } from '@redlayer/resilience'
import type { OperationWindowSummary } from './operation-window.js'
import type { ServerStats } from './server-stats.js'
import type { AlertThresholds } from './thresholds.js'

export type AlertSeverity = 'info' | 'warning' | 'critical'

export interface Alert {
  /** Stable name, the same as the Prometheus rule's `alert` (deploy/prometheus/alerts.yml). */
  readonly name: string
  readonly severity: AlertSeverity
  readonly message: string
  readonly value: number
  readonly threshold: number
}

export interface AlertInputs {
  readonly breaker: BreakerState
  readonly operations: OperationWindowSummary
  readonly server: ServerStats | null
  /** Evictions within the tracker's window. */
  readonly recentEvictions: number
  readonly cacheLookups: number
  readonly cacheHitRatio: number | null
}

const percent = (share: number) => `${(share * 100).toFixed(1)} %`

/** The alerts that hold now, most severe first. */
export function evaluateAlerts(inputs: AlertInputs, t: AlertThresholds): Alert[] {
  const alerts: Alert[] = []
  const { breaker, operations, server } = inputs
  if (breaker !== 'closed') {
    alerts.push({
      name: 'RedisBreakerOpen',
      severity: 'critical',
      message: `the Redis circuit breaker is ${breaker}: packages serve their fallbacks (ADR-0013)`,
      value: breaker === 'open' ? 2 : 1,
      threshold: 1,
    })
  }
  if (server && server.maxmemoryBytes > 0) {
    const use = server.usedMemoryBytes / server.maxmemoryBytes
    if (use > t.memoryWarning) {
      const critical = use > t.memoryCritical
      alerts.push({
        name: critical ? 'RedisMemoryCritical' : 'RedisMemoryHigh',
        severity: critical ? 'critical' : 'warning',
        message: `Redis memory at ${percent(use)} of maxmemory (above ${percent(critical ? t.memoryCritical : t.memoryWarning)})`,
        value: use,
        threshold: critical ? t.memoryCritical : t.memoryWarning,
      })
    }
  }
  if (server && server.maxClients > 0 && server.connectedClients / server.maxClients > t.connectionUse) {
    const use = server.connectedClients / server.maxClients
    alerts.push({
      name: 'RedisConnectionsHigh',
      severity: 'warning',
      message: `${server.connectedClients} of ${server.maxClients} client connections in use (${percent(use)})`,
      value: use,
      threshold: t.connectionUse,
    })
  }
  const enough = operations.operations >= t.operationAlertMinOps
  if (enough && operations.errorRate > t.errorRate) {
    alerts.push({
      name: 'RedisErrorRateHigh',
      severity: 'critical',
      message: `${percent(operations.errorRate)} of ${operations.operations} Redis operations in the last ${minutes(operations.windowMs)} were not served (above ${percent(t.errorRate)})`,
      value: operations.errorRate,
      threshold: t.errorRate,
    })
  }
  if (enough && operations.latencyMs && operations.latencyMs.p99 > t.slowOperationMs) {
    alerts.push({
      name: 'RedisSlowOperations',
      severity: 'warning',
      message: `p99 of the Redis operations served in the last ${minutes(operations.windowMs)} is ${operations.latencyMs.p99} ms (above ${t.slowOperationMs} ms)`,
      value: operations.latencyMs.p99,
      threshold: t.slowOperationMs,
    })
  }
  if (inputs.recentEvictions > 0) {
    alerts.push({
      name: 'RedisEvictions',
      severity: 'warning',
      message: `${inputs.recentEvictions} keys evicted in the last ${Math.round(t.evictionWindowMs / 60_000)} min (policy ${server?.maxmemoryPolicy ?? 'unknown'})`,
      value: inputs.recentEvictions,
      threshold: 0,
    })
  }
  if (
    inputs.cacheHitRatio !== null &&
    inputs.cacheLookups >= t.hitRatioMinLookups &&
    inputs.cacheHitRatio < t.hitRatio
  ) {
    alerts.push({
      name: 'CacheHitRatioLow',
      severity: 'info',
      message: `cache hit ratio ${percent(inputs.cacheHitRatio)} is below the ${percent(t.hitRatio)} target`,
      value: inputs.cacheHitRatio,
      threshold: t.hitRatio,
    })
  }
  const rank = { critical: 0, warning: 1, info: 2 } as const
  return alerts.sort((a, b) => rank[a.severity] - rank[b.severity])
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`
