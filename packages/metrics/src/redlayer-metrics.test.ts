import { Counter, Registry, register } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createRedlayerMetrics } from './redlayer-metrics.js'

async function sampleValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  const match = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
  return match?.value ?? 0
}

describe('createRedlayerMetrics', () => {
  it('registers every instrument with Prometheus names in the registry passed, not the global one', async () => {
    const globalBefore = (await register.getMetricsAsJSON()).length
    const registry = new Registry()
    const metrics = createRedlayerMetrics({ registry })
    expect(metrics.registry).toBe(registry)
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort()
    expect(names).toEqual(
      [
        'redlayer_breaker_short_circuits_total',
        'redlayer_breaker_state',
        'redlayer_breaker_transitions_total',
        'redlayer_cache_bus_messages_total',
        'redlayer_cache_hits_total',
        'redlayer_cache_loader_calls_total',
        'redlayer_cache_loader_duration_seconds',
        'redlayer_cache_loader_errors_total',
        'redlayer_cache_misses_total',
        'redlayer_cache_pending_invalidations',
        'redlayer_cache_stale_served_total',
        'redlayer_cache_writes_skipped_total',
        'redlayer_fallbacks_total',
        'redlayer_lock_acquisitions_total',
        'redlayer_lock_extensions_total',
        'redlayer_lock_hold_duration_seconds',
        'redlayer_lock_wait_duration_seconds',
        'redlayer_locks_lost_total',
        'redlayer_ratelimit_decisions_total',
        'redlayer_ratelimit_degraded_total',
        'redlayer_ratelimit_deny_cache_hits_total',
        'redlayer_redis_errors_total',
        'redlayer_redis_operation_duration_seconds',
        'redlayer_redis_slow_operations_total',
        'redlayer_session_append_duration_seconds',
        'redlayer_session_conflicts_total',
        'redlayer_session_events_appended_total',
        'redlayer_sessions_created_total',
      ].sort(),
    )
    for (const name of names) expect(name).toMatch(/^[a-z_]+$/)
    expect((await register.getMetricsAsJSON()).length).toBe(globalBefore)
  })

  it('uses a fresh registry when none is passed', () => {
    const a = createRedlayerMetrics()
    const b = createRedlayerMetrics()
    expect(a.registry).not.toBe(b.registry)
    expect(a.registry).not.toBe(register)
  })

  it('returns the same instruments when created twice on one registry and prefix', () => {
    const registry = new Registry()
    const first = createRedlayerMetrics({ registry })
    expect(createRedlayerMetrics({ registry })).toBe(first)
    const other = createRedlayerMetrics({ registry, prefix: 'other_' })
    expect(other).not.toBe(first)
    expect(registry.getSingleMetric('other_cache_hits_total')).toBeDefined()
  })

  it('creates them again after the registry was cleared', () => {
    const registry = new Registry()
    const first = createRedlayerMetrics({ registry })
    registry.clear()
    const second = createRedlayerMetrics({ registry })
    expect(second).not.toBe(first)
    expect(registry.getSingleMetric('redlayer_cache_hits_total')).toBe(second.cacheHits)
  })

  it('refuses to reuse instruments with different slow-operation options', () => {
    const registry = new Registry()
    createRedlayerMetrics({ registry })
    expect(() => createRedlayerMetrics({ registry, slowOperationThresholdMs: 50 })).toThrow(
      /slowOperationThresholdMs=10/,
    )
  })

  it('fails clearly, and registers nothing, when a name is taken by something else', async () => {
    const registry = new Registry()
    new Counter({ name: 'redlayer_cache_hits_total', help: 'foreign', registers: [registry] })
    expect(() => createRedlayerMetrics({ registry })).toThrow(/redlayer_cache_hits_total.*already registered/)
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toEqual(['redlayer_cache_hits_total'])
  })

  it('rejects a bad prefix or registry', () => {
    expect(() => createRedlayerMetrics({ prefix: 'bad-prefix' })).toThrow(TypeError)
    expect(() => createRedlayerMetrics({ registry: {} as Registry })).toThrow(/Registry/)
  })

  it('instruments accept their bounded labels', async () => {
    const metrics = createRedlayerMetrics()
    metrics.cacheHits.inc({ namespace: 'entity', tier: 'l1' })
    metrics.cacheHits.inc({ namespace: 'entity', tier: 'l1' })
    metrics.breakerState.set({ breaker: 'redis' }, 2)
    metrics.lockWaitDuration.observe({ namespace: 'lock' }, 0.003)
    metrics.rateLimitDecisions.inc({ limiter: 'api', outcome: 'denied' })
    expect(await sampleValue(metrics.registry, 'redlayer_cache_hits_total', { tier: 'l1' })).toBe(2)
    expect(await sampleValue(metrics.registry, 'redlayer_breaker_state', { breaker: 'redis' })).toBe(2)
    expect(
      await sampleValue(metrics.registry, 'redlayer_ratelimit_decisions_total', { outcome: 'denied' }),
    ).toBe(1)
    expect(await metrics.registry.metrics()).toContain(
      'redlayer_lock_wait_duration_seconds_count{namespace="lock"} 1',
    )
    expect(() => metrics.cacheHits.inc({ key: 'user:42' } as never)).toThrow()
  })
})
