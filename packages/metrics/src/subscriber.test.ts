import { redlayerChannels as channels, type RedisOperationContext } from '@redlayer/connection/diagnostics'
import type { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createRedlayerMetrics } from './redlayer-metrics.js'

async function value(registry: Registry, name: string, labels: Record<string, string | number> = {}) {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  return values
    .filter(
      (v) =>
        ((v as { metricName?: string }).metricName ?? name) ===
          (labels.le === undefined ? name : `${name}_bucket`) &&
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    )
    .reduce((sum, v) => sum + v.value, 0)
}

/** What the guard publishes for one run: a traced promise whose context it filled in. */
function operation(context: Omit<RedisOperationContext, 'breaker' | 'state'> & { breaker?: string }) {
  const ctx: RedisOperationContext = { breaker: 'redis', state: 'closed', ...context }
  return channels.redisOperation.tracePromise(async () => undefined, ctx)
}

describe('the metrics subscriber (ADR-0005)', () => {
  it('turns each guarded operation into the duration histogram, slow log, errors, short circuits and fallbacks', async () => {
    using metrics = createRedlayerMetrics({ slowOperationCapacity: 2 })
    const { registry } = metrics
    await operation({ operation: 'cache.get', outcome: 'ok', durationMs: 0.4 })
    await operation({ operation: 'cache.get', outcome: 'ok', durationMs: 9.99 })
    await operation({ operation: 'cache.get', outcome: 'ok', durationMs: 10 })
    await operation({ operation: 'lock.acquire', outcome: 'timeout', durationMs: 250, errorKind: 'timeout' })
    await operation({
      operation: 'cache.set',
      outcome: 'failure',
      durationMs: 40,
      errorKind: 'connection',
      fallback: 'error',
    })
    await operation({ operation: 'cache.set', outcome: 'short_circuit', durationMs: 0.01, fallback: 'open' })

    const histogram = 'redlayer_redis_operation_duration_seconds'
    const text = await registry.metrics()
    expect(text).toContain(`${histogram}_count{operation="cache.get",outcome="ok"} 3`)
    expect(text).toContain(`${histogram}_bucket{le="0.0005",operation="cache.get",outcome="ok"} 1`)
    expect(text).toContain(`${histogram}_bucket{le="0.01",operation="cache.get",outcome="ok"} 3`)
    expect(text).toContain(`${histogram}_sum{operation="lock.acquire",outcome="timeout"} 0.25`)
    expect(await value(registry, 'redlayer_redis_slow_operations_total', { operation: 'cache.get' })).toBe(1)
    expect(metrics.slowOperations.recent().map((e) => [e.operation, e.durationMs, e.outcome])).toEqual([
      ['cache.set', 40, 'failure'],
      ['lock.acquire', 250, 'timeout'],
    ])
    expect(metrics.slowOperations.total).toBe(3)
    expect(await value(registry, 'redlayer_redis_errors_total', { kind: 'timeout' })).toBe(1)
    expect(
      await value(registry, 'redlayer_redis_errors_total', { operation: 'cache.set', kind: 'connection' }),
    ).toBe(1)
    expect(await value(registry, 'redlayer_breaker_short_circuits_total', { operation: 'cache.set' })).toBe(1)
    expect(await value(registry, 'redlayer_fallbacks_total', { reason: 'open' })).toBe(1)
    expect(await value(registry, 'redlayer_fallbacks_total', { reason: 'error' })).toBe(1)
    // A guard created before the subscription shows up with the state its first operation saw.
    expect(await value(registry, 'redlayer_breaker_state', { breaker: 'redis' })).toBe(0)
  })

  it('keeps the breaker gauge and transitions, and drops the gauge of a disposed guard', async () => {
    using metrics = createRedlayerMetrics()
    const { registry } = metrics
    channels.breakerState.publish({ breaker: 'primary', state: 'closed' })
    channels.breakerState.publish({ breaker: 'primary', state: 'open', previous: 'closed' })
    expect(await value(registry, 'redlayer_breaker_state', { breaker: 'primary' })).toBe(2)
    channels.breakerState.publish({ breaker: 'primary', state: 'half-open', previous: 'open' })
    expect(await value(registry, 'redlayer_breaker_state', { breaker: 'primary' })).toBe(1)
    expect(await value(registry, 'redlayer_breaker_transitions_total', { from: 'closed', to: 'open' })).toBe(
      1,
    )
    expect(await value(registry, 'redlayer_breaker_transitions_total')).toBe(2)
    channels.breakerState.publish({ breaker: 'primary', state: 'disposed', previous: 'half-open' })
    expect(await registry.metrics()).not.toContain('breaker="primary"}')
  })

  it('records the cache, limiter, lock and session events under the names and labels of before', async () => {
    using metrics = createRedlayerMetrics()
    const { registry } = metrics
    channels.cacheLookup.publish({ namespace: 'entity', result: 'hit', tier: 'l1', count: 2 })
    channels.cacheLookup.publish({ namespace: 'entity', result: 'miss', count: 3 })
    channels.cacheLookup.publish({ namespace: 'entity', result: 'stale', reason: 'soft-timeout', count: 1 })
    await channels.cacheLoad.tracePromise(async () => 1, { namespace: 'entity', ids: 1, durationMs: 20 })
    await channels.cacheLoad
      .tracePromise(() => Promise.reject(new Error('db down')), {
        namespace: 'entity',
        ids: 2,
        durationMs: 5,
      })
      .catch(() => undefined)
    channels.cacheWriteSkipped.publish({ namespace: 'entity', count: 4 })
    channels.cacheBus.publish({ namespace: 'entity', direction: 'in' })
    channels.cachePendingInvalidations.publish({ namespace: 'entity', pending: 7 })
    channels.rateLimitDecision.publish({ limiter: 'api', allowed: false, denyCache: true })
    channels.rateLimitDecision.publish({
      limiter: 'api',
      allowed: true,
      denyCache: false,
      degraded: 'fail-open',
    })
    await channels.lockAcquire.tracePromise(async () => 1, {
      namespace: 'lock',
      outcome: 'acquired',
      waitMs: 3,
    })
    channels.lockLease.publish({ namespace: 'lock', event: 'extension', outcome: 'extended' })
    channels.lockLease.publish({ namespace: 'lock', event: 'lost' })
    channels.lockLease.publish({ namespace: 'lock', event: 'ended', heldMs: 1500 })
    channels.redisError.publish({ operation: 'lock.subscribe', kind: 'connection' })
    channels.sessionWrite.publish({ namespace: 'session', operation: 'create', status: 'created' })
    channels.sessionWrite.publish({
      namespace: 'session',
      operation: 'append',
      status: 'appended',
      durationMs: 2,
    })
    channels.sessionWrite.publish({ namespace: 'session', operation: 'update', status: 'conflict' })

    const expected: [string, Record<string, string>, number][] = [
      ['redlayer_cache_hits_total', { namespace: 'entity', tier: 'l1' }, 2],
      ['redlayer_cache_misses_total', { namespace: 'entity' }, 3],
      ['redlayer_cache_stale_served_total', { reason: 'soft-timeout' }, 1],
      ['redlayer_cache_loader_calls_total', { namespace: 'entity' }, 2],
      ['redlayer_cache_loader_errors_total', { namespace: 'entity' }, 1],
      ['redlayer_cache_writes_skipped_total', { namespace: 'entity' }, 4],
      ['redlayer_cache_bus_messages_total', { direction: 'in' }, 1],
      ['redlayer_cache_pending_invalidations', { namespace: 'entity' }, 7],
      ['redlayer_ratelimit_decisions_total', { limiter: 'api', outcome: 'denied' }, 1],
      ['redlayer_ratelimit_decisions_total', { limiter: 'api', outcome: 'allowed' }, 1],
      ['redlayer_ratelimit_deny_cache_hits_total', { limiter: 'api' }, 1],
      ['redlayer_ratelimit_degraded_total', { mode: 'fail-open' }, 1],
      ['redlayer_lock_acquisitions_total', { namespace: 'lock', outcome: 'acquired' }, 1],
      ['redlayer_lock_extensions_total', { outcome: 'extended' }, 1],
      ['redlayer_locks_lost_total', { namespace: 'lock' }, 1],
      ['redlayer_redis_errors_total', { operation: 'lock.subscribe' }, 1],
      ['redlayer_sessions_created_total', { namespace: 'session' }, 1],
      ['redlayer_session_events_appended_total', { namespace: 'session' }, 1],
      ['redlayer_session_conflicts_total', { operation: 'update' }, 1],
    ]
    for (const [name, labels, count] of expected) {
      expect({ name, labels, value: await value(registry, name, labels) }).toEqual({
        name,
        labels,
        value: count,
      })
    }
    const text = await registry.metrics()
    expect(text).toContain('redlayer_cache_loader_duration_seconds_sum{namespace="entity"} 0.025')
    expect(text).toContain('redlayer_lock_wait_duration_seconds_count{namespace="lock"} 1')
    expect(text).toContain('redlayer_lock_hold_duration_seconds_sum{namespace="lock"} 1.5')
    expect(text).toContain('redlayer_session_append_duration_seconds_count{namespace="session"} 1')
  })

  it('stops recording on close, resumes when created again, and costs nothing once nobody listens', async () => {
    const metrics = createRedlayerMetrics()
    channels.cacheLookup.publish({ namespace: 'entity', result: 'miss', count: 1 })
    metrics.close()
    channels.cacheLookup.publish({ namespace: 'entity', result: 'miss', count: 1 })
    expect(await value(metrics.registry, 'redlayer_cache_misses_total')).toBe(1)
    expect(channels.cacheLookup.hasSubscribers).toBe(false)
    expect(channels.redisOperation.hasSubscribers).toBe(false)

    expect(createRedlayerMetrics({ registry: metrics.registry })).toBe(metrics)
    channels.cacheLookup.publish({ namespace: 'entity', result: 'miss', count: 1 })
    expect(await value(metrics.registry, 'redlayer_cache_misses_total')).toBe(2)
    metrics[Symbol.dispose]()
    expect(channels.cacheLookup.hasSubscribers).toBe(false)
  })

  it('two sets of instruments both record every event of the process', async () => {
    using a = createRedlayerMetrics()
    using b = createRedlayerMetrics()
    channels.cacheLookup.publish({ namespace: 'entity', result: 'hit', tier: 'redis', count: 1 })
    expect(await value(a.registry, 'redlayer_cache_hits_total')).toBe(1)
    expect(await value(b.registry, 'redlayer_cache_hits_total')).toBe(1)
  })
})
