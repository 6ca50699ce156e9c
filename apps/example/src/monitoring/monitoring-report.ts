import type { RedisClient, RedisMode } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedlayerMetrics, SlowOperation } from '@redlayer/metrics'
import type { BreakerState, RedisGuard } from '@redlayer/resilience'
import type { Counter } from 'prom-client'
import { type Alert, evaluateAlerts } from './alerts.js'
import type { AuditCache } from './audit-cache.js'
import type { EvictionTracker } from './eviction-tracker.js'
import type { OperationWindow, OperationWindowSummary } from './operation-window.js'
import { readServerStats, type ServerStats } from './server-stats.js'
import { ALERT_THRESHOLDS } from './thresholds.js'

export interface MonitoringSources {
  readonly redis: RedisClient
  readonly mode: RedisMode
  readonly keyspace: Keyspace<string>
  readonly guard: RedisGuard
  readonly metrics: RedlayerMetrics
  readonly window: OperationWindow
  readonly audits: AuditCache
  readonly evictions: EvictionTracker
}

export interface NamespaceReport {
  readonly namespace: string
  readonly prefix: string
  readonly flushClass: string
  readonly whenRedisDown: string
  /** From the last keyspace audit; null when none could be taken. */
  readonly keys: number | null
  readonly withoutTtl: number | null
  /** Estimated from a MEMORY USAGE sample. */
  readonly memoryBytes: number | null
  readonly budgetBytes: number | null
  readonly budgetUse: number | null
  /** Cache namespaces only. */
  readonly hits: number | null
  readonly misses: number | null
  readonly hitRatio: number | null
}

export interface MonitoringReport {
  readonly generatedAt: string
  readonly redis: { readonly mode: RedisMode; readonly available: boolean; readonly breaker: BreakerState }
  readonly operations: OperationWindowSummary & {
    readonly slow: {
      readonly thresholdMs: number
      readonly total: number
      readonly recent: readonly SlowOperation[]
    }
  }
  readonly server:
    | (ServerStats & {
        readonly memoryUse: number | null
        readonly connectionUse: number | null
        readonly recentEvictions: number
        readonly evictionWindowMs: number
      })
    | null
  readonly cache: { readonly hits: number; readonly misses: number; readonly hitRatio: number | null }
  readonly rateLimit: { readonly allowed: number; readonly rejected: number; readonly degraded: number }
  readonly keyspace: {
    readonly takenAt: string | null
    /** How old the audit is when the report is made, ms. */
    readonly ageMs: number | null
    /** The audit is older than it should be: a newer one could not be taken (Redis unavailable). */
    readonly stale: boolean | null
    readonly complete: boolean | null
    readonly scanned: number | null
    readonly unclassifiedKeys: number | null
    readonly namespaces: readonly NamespaceReport[]
  }
  readonly thresholds: typeof ALERT_THRESHOLDS
  readonly alerts: readonly Alert[]
}

const SLOW_SHOWN = 20

/** Sum of a counter's values whose labels match `where`, grouped by the `by` label. */
async function sumBy<L extends string>(
  counter: Counter<L>,
  by: L,
  where: Partial<Record<L, string>> = {},
): Promise<Map<string, number>> {
  const sums = new Map<string, number>()
  for (const { labels, value } of (await counter.get()).values) {
    const matches = Object.entries(where).every(([k, v]) => labels[k as L] === v)
    if (!matches) continue
    const key = String(labels[by] ?? '')
    sums.set(key, (sums.get(key) ?? 0) + value)
  }
  return sums
}

const total = (sums: Map<string, number>) => [...sums.values()].reduce((a, b) => a + b, 0)
const ratio = (hits: number, misses: number) => (hits + misses === 0 ? null : hits / (hits + misses))

/**
 * The Redis performance report: latency percentiles and error rate over the rolling window of
 * operations, the slow-operation log, breaker state, server memory, clients and evictions, cache
 * hit ratios, rate-limit rejections, the keyspace audit against budgets (ADR-0011), and the alerts
 * that hold at the reference thresholds. It never waits on a Redis that is down: the breaker
 * answers for it, and the last audit is shown.
 */
export async function buildMonitoringReport(
  sources: MonitoringSources,
  now = Date.now(),
): Promise<MonitoringReport> {
  const { metrics, guard } = sources
  const [server, audit, hits, misses, decisions, degraded] = await Promise.all([
    readServerStats(sources.redis, guard),
    sources.audits.get(now),
    sumBy(metrics.cacheHits, 'namespace'),
    sumBy(metrics.cacheMisses, 'namespace'),
    sumBy(metrics.rateLimitDecisions, 'outcome'),
    sumBy(metrics.rateLimitDegraded, 'limiter'),
  ])
  const operations = sources.window.summary()
  const recentEvictions = server ? sources.evictions.observe(server.evictedKeys, now) : 0
  const cacheHits = total(hits)
  const cacheMisses = total(misses)
  const hitRatio = ratio(cacheHits, cacheMisses)
  const audited = new Map(audit?.audit.namespaces.map((ns) => [ns.namespace, ns]) ?? [])
  const namespaces = sources.keyspace.namespaces.map((ns): NamespaceReport => {
    const a = audited.get(ns.name)
    const h = hits.get(ns.name)
    const m = misses.get(ns.name)
    const isCache = h !== undefined || m !== undefined
    return {
      namespace: ns.name,
      prefix: ns.prefix,
      flushClass: ns.flushClass,
      whenRedisDown: ns.whenRedisDown,
      keys: a?.keys ?? null,
      withoutTtl: a?.withoutTtl ?? null,
      memoryBytes: a ? (a.estimatedBytes ?? 0) : null,
      budgetBytes: ns.memoryBudgetBytes ?? null,
      budgetUse: a ? (a.budgetUse ?? (ns.memoryBudgetBytes ? 0 : null)) : null,
      hits: isCache ? (h ?? 0) : null,
      misses: isCache ? (m ?? 0) : null,
      hitRatio: isCache ? ratio(h ?? 0, m ?? 0) : null,
    }
  })
  const slow = metrics.slowOperations
  return {
    generatedAt: new Date(now).toISOString(),
    redis: { mode: sources.mode, available: server !== null, breaker: guard.state },
    operations: {
      ...operations,
      slow: { thresholdMs: slow.thresholdMs, total: slow.total, recent: slow.recent().slice(0, SLOW_SHOWN) },
    },
    server: server && {
      ...server,
      memoryUse: server.maxmemoryBytes > 0 ? server.usedMemoryBytes / server.maxmemoryBytes : null,
      connectionUse: server.maxClients > 0 ? server.connectedClients / server.maxClients : null,
      recentEvictions,
      evictionWindowMs: sources.evictions.windowMs,
    },
    cache: { hits: cacheHits, misses: cacheMisses, hitRatio },
    rateLimit: {
      allowed: decisions.get('allowed') ?? 0,
      rejected: decisions.get('denied') ?? 0,
      degraded: total(degraded),
    },
    keyspace: {
      takenAt: audit ? new Date(audit.takenAt).toISOString() : null,
      ageMs: audit ? Math.max(0, now - audit.takenAt) : null,
      stale: audit?.stale ?? null,
      complete: audit?.audit.complete ?? null,
      scanned: audit?.audit.scanned ?? null,
      unclassifiedKeys: audit?.audit.unclassified.count ?? null,
      namespaces,
    },
    thresholds: ALERT_THRESHOLDS,
    alerts: evaluateAlerts(
      {
        breaker: guard.state,
        operations,
        server,
        recentEvictions,
        cacheLookups: cacheHits + cacheMisses,
        cacheHitRatio: hitRatio,
      },
      ALERT_THRESHOLDS,
    ),
  }
}
