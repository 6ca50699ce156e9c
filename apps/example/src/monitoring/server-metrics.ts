import type { RedisClient } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { AuditCache } from './audit-cache.js'
import { readServerStats } from './server-stats.js'

export interface ServerMetricsOptions {
  registry: Registry
  /** The same prefix as the redlayer instruments (`redlayer_`). */
  prefix: string
  redis: RedisClient
  guard: RedisGuard
  keyspace: Keyspace<string>
  audits: AuditCache
}

/**
 * Gauges of the Redis servers (INFO) and of the keyspace audit, read at scrape time, so that
 * Prometheus can alert on memory, clients and evictions (deploy/prometheus/alerts.yml) and
 * Grafana can chart namespaces against their budgets. While Redis is unavailable `redis_up` is 0
 * and the server gauges keep their last values.
 */
export function registerServerMetrics(options: ServerMetricsOptions): void {
  const { registry, prefix, redis, guard, keyspace, audits } = options
  let lastEvicted: number | undefined
  let pending: Promise<void> | null = null
  // prom-client collects the metrics of a scrape concurrently: they all await one refresh.
  const collect = () => {
    pending ??= refresh().finally(() => {
      pending = null
    })
    return pending
  }
  const registers = [registry]
  const gauge = (name: string, help: string) =>
    new Gauge({ name: `${prefix}${name}`, help, registers, collect })
  const perNamespace = (name: string, help: string) =>
    new Gauge({ name: `${prefix}${name}`, help, labelNames: ['namespace'], registers, collect })

  const up = gauge('redis_up', 'Whether INFO answered at the last scrape (1) or not (0).')
  const used = gauge('redis_memory_used_bytes', 'used_memory summed over the masters.')
  const max = gauge(
    'redis_memory_max_bytes',
    'maxmemory summed over the masters; 0 when a master has no limit.',
  )
  const clients = gauge('redis_connected_clients', 'connected_clients summed over the masters.')
  const maxClients = gauge('redis_max_clients', 'maxclients summed over the masters.')
  const evicted = new Counter({
    name: `${prefix}redis_evicted_keys_total`,
    help: 'Keys evicted by the Redis masters (INFO evicted_keys) while this process watched.',
    registers,
    collect,
  })
  const keys = perNamespace('keyspace_keys', 'Keys per namespace at the last keyspace audit (ADR-0011).')
  const bytes = perNamespace(
    'keyspace_memory_bytes',
    'Estimated memory per namespace at the last keyspace audit (MEMORY USAGE sample).',
  )
  const budget = new Gauge({
    name: `${prefix}keyspace_memory_budget_bytes`,
    help: 'Memory budget per namespace, as declared in the keyspace (ADR-0011).',
    labelNames: ['namespace'],
    registers,
  })
  for (const ns of keyspace.namespaces) {
    if (ns.memoryBudgetBytes !== undefined) budget.set({ namespace: ns.name }, ns.memoryBudgetBytes)
  }

  async function refresh(): Promise<void> {
    const [stats, audit] = await Promise.all([readServerStats(redis, guard), audits.get()])
    up.set(stats ? 1 : 0)
    if (stats) {
      used.set(stats.usedMemoryBytes)
      max.set(stats.maxmemoryBytes)
      clients.set(stats.connectedClients)
      maxClients.set(stats.maxClients)
      // A lower total means a restarted server: its whole count is new.
      const increase =
        lastEvicted === undefined || stats.evictedKeys < lastEvicted
          ? stats.evictedKeys
          : stats.evictedKeys - lastEvicted
      if (increase > 0) evicted.inc(increase)
      lastEvicted = stats.evictedKeys
    }
    for (const ns of audit?.audit.namespaces ?? []) {
      keys.set({ namespace: ns.namespace }, ns.keys)
      bytes.set({ namespace: ns.namespace }, ns.estimatedBytes ?? 0)
    }
  }
}
