import type { RedisErrorKind, RedisOperationOutcome } from '@redlayer/connection/diagnostics'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { LOADER_BUCKETS, LOCK_HOLD_BUCKETS, LOCK_WAIT_BUCKETS, REDIS_OPERATION_BUCKETS } from './buckets.js'
import { PendingUpdates } from './pending-updates.js'
import { SlowOperationLog } from './slow-operations.js'
import { subscribeInstruments } from './subscriber.js'

export type { RedisErrorKind, RedisOperationOutcome }

export interface RedlayerMetricsOptions {
  /** Where every instrument is registered. A fresh `Registry` when omitted (never the global one). */
  registry?: Registry
  /** Metric name prefix, `redlayer_` by default. Letters, digits, `_` and `:`. */
  prefix?: string
  /** Operations taking at least this long go to the slow-operation log. Default 10 ms. */
  slowOperationThresholdMs?: number
  /** How many slow operations the log keeps. Default 100. */
  slowOperationCapacity?: number
}

/**
 * The instruments, fed by every redlayer package of the process through `node:diagnostics_channel`
 * (ADR-0005) until `close()`.
 */
export interface RedlayerMetrics extends Disposable {
  readonly registry: Registry
  readonly prefix: string
  /**
   * Stops recording (the instruments stay registered with their values). Creating the metrics
   * again on the same registry and prefix resumes it.
   */
  close(): void

  // Breaker (ADR-0013). `breaker` is the guard's name: one per Redis connection.
  /** 0 closed, 1 half-open, 2 open. */
  readonly breakerState: Gauge<'breaker'>
  readonly breakerTransitions: Counter<'breaker' | 'from' | 'to'>
  readonly breakerShortCircuits: Counter<'operation'>
  /** `reason`: open | timeout | error | refused (the guard's `UnavailableReason`). */
  readonly fallbacks: Counter<'operation' | 'reason'>

  // Redis operations
  readonly redisOperationDuration: Histogram<'operation' | 'outcome'>
  readonly redisErrors: Counter<'operation' | 'kind'>
  readonly redisSlowOperations: Counter<'operation'>
  readonly slowOperations: SlowOperationLog

  // Cache
  readonly cacheHits: Counter<'namespace' | 'tier'>
  readonly cacheMisses: Counter<'namespace'>
  readonly cacheStaleServed: Counter<'namespace' | 'reason'>
  readonly cacheLoaderCalls: Counter<'namespace'>
  readonly cacheLoaderDuration: Histogram<'namespace'>
  readonly cacheLoaderErrors: Counter<'namespace'>
  readonly cacheWritesSkipped: Counter<'namespace'>
  readonly cacheBusMessages: Counter<'namespace' | 'direction'>
  readonly cachePendingInvalidations: Gauge<'namespace'>

  // Rate limiting
  readonly rateLimitDecisions: Counter<'limiter' | 'outcome'>
  readonly rateLimitDenyCacheHits: Counter<'limiter'>
  readonly rateLimitDegraded: Counter<'limiter' | 'mode'>

  // Locks
  readonly lockAcquisitions: Counter<'namespace' | 'outcome'>
  readonly lockWaitDuration: Histogram<'namespace'>
  readonly lockHoldDuration: Histogram<'namespace'>
  readonly lockExtensions: Counter<'namespace' | 'outcome'>
  readonly locksLost: Counter<'namespace'>

  // Sessions
  readonly sessionsCreated: Counter<'namespace'>
  readonly sessionEventsAppended: Counter<'namespace'>
  readonly sessionConflicts: Counter<'namespace' | 'operation'>
  readonly sessionAppendDuration: Histogram<'namespace'>
}

const DEFAULT_PREFIX = 'redlayer_'
const DEFAULT_SLOW_THRESHOLD_MS = 10
const DEFAULT_SLOW_CAPACITY = 100
const PREFIX_PATTERN = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/

// One set of instruments per (registry, prefix): creating them twice returns the same object
// instead of failing on prom-client's duplicate-name check. A WeakMap, so a dropped registry
// takes its instruments with it.
const created = new WeakMap<Registry, Map<string, Recorded>>()

/** The instruments and the switch of their subscription. */
interface Recorded extends RedlayerMetrics {
  resume(): void
}

/**
 * Creates the prom-client instruments of every redlayer package, registered in `registry`, and
 * subscribes them to redlayer's diagnostics channels: every guard, cache, limiter, lock manager
 * and session store of the process records into them. Called again with the same registry and
 * prefix it returns the same instruments (so the app and a package may both ask for them); it
 * throws when the slow-operation options differ from the first call, or when another library
 * already registered one of the names.
 */
export function createRedlayerMetrics(options: RedlayerMetricsOptions = {}): RedlayerMetrics {
  const registry = options.registry ?? new Registry()
  // Duck-typed rather than `instanceof`, so a Registry from another copy of prom-client works.
  if (typeof registry?.getSingleMetric !== 'function' || typeof registry.registerMetric !== 'function') {
    throw new TypeError('createRedlayerMetrics: `registry` must be a prom-client Registry')
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `createRedlayerMetrics: \`prefix\` must match ${PREFIX_PATTERN.source}, got ${JSON.stringify(prefix)}`,
    )
  }
  const thresholdMs = options.slowOperationThresholdMs ?? DEFAULT_SLOW_THRESHOLD_MS
  const capacity = options.slowOperationCapacity ?? DEFAULT_SLOW_CAPACITY

  // A registry that was cleared (`registry.clear()`) no longer holds them: create them again.
  const remembered = created.get(registry)?.get(prefix)
  const existing =
    remembered && registry.getSingleMetric(`${prefix}breaker_state`) === remembered.breakerState
      ? remembered
      : undefined
  if (existing) {
    const log = existing.slowOperations
    if (log.thresholdMs !== thresholdMs || log.capacity !== capacity) {
      throw new Error(
        `createRedlayerMetrics: the instruments with prefix "${prefix}" already exist in this registry ` +
          `with slowOperationThresholdMs=${log.thresholdMs}, slowOperationCapacity=${log.capacity}; ` +
          `asked for ${thresholdMs} and ${capacity}`,
      )
    }
    existing.resume()
    return existing
  }

  const metrics = build(registry, prefix, new SlowOperationLog({ thresholdMs, capacity }))
  metrics.resume()
  let byPrefix = created.get(registry)
  if (!byPrefix) {
    byPrefix = new Map()
    created.set(registry, byPrefix)
  }
  byPrefix.set(prefix, metrics)
  return metrics
}

function build(registry: Registry, prefix: string, slowOperations: SlowOperationLog): Recorded {
  const names: string[] = []
  const registers = [registry]
  // Issue 18: the hot path's updates wait here; every read of any counter or histogram hands them over first.
  const pending = new PendingUpdates()
  const collect = () => pending.flush()
  const fullName = (name: string): string => {
    const full = `${prefix}${name}`
    if (registry.getSingleMetric(full)) {
      throw new Error(
        `createRedlayerMetrics: a metric named "${full}" is already registered in this registry by ` +
          'something else; pass another `prefix` or another `registry`',
      )
    }
    names.push(full)
    return full
  }
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: fullName(name), help, labelNames, registers, collect })
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name: fullName(name), help, labelNames, registers })
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ) => new Histogram<L>({ name: fullName(name), help, labelNames, buckets: [...buckets], registers, collect })

  try {
    const redisOperationDuration = histogram(
      'redis_operation_duration_seconds',
      'Duration of Redis operations run through the guard, by operation and outcome.',
      ['operation', 'outcome'],
      REDIS_OPERATION_BUCKETS,
    )
    const redisSlowOperations = counter(
      'redis_slow_operations_total',
      'Redis operations at or above the slow-operation threshold.',
      ['operation'],
    )
    let unsubscribe: (() => void) | undefined
    const metrics: Recorded = {
      registry,
      prefix,
      resume() {
        unsubscribe ??= subscribeInstruments(metrics, pending)
      },
      close() {
        unsubscribe?.()
        unsubscribe = undefined
        pending.flush()
      },
      [Symbol.dispose]() {
        metrics.close()
      },
      breakerState: gauge(
        'breaker_state',
        'Circuit breaker state per Redis connection: 0 closed, 1 half-open, 2 open.',
        ['breaker'],
      ),
      breakerTransitions: counter('breaker_transitions_total', 'Circuit breaker state transitions.', [
        'breaker',
        'from',
        'to',
      ]),
      breakerShortCircuits: counter(
        'breaker_short_circuits_total',
        'Calls answered without touching Redis because the breaker was not closed.',
        ['operation'],
      ),
      fallbacks: counter('fallbacks_total', 'Fallback values served instead of Redis results.', [
        'operation',
        'reason',
      ]),
      redisOperationDuration,
      redisErrors: counter('redis_errors_total', 'Errors of Redis operations, by kind.', [
        'operation',
        'kind',
      ]),
      redisSlowOperations,
      slowOperations,

      cacheHits: counter('cache_hits_total', 'Cache hits, by tier (l1 or redis).', ['namespace', 'tier']),
      cacheMisses: counter('cache_misses_total', 'Cache misses.', ['namespace']),
      cacheStaleServed: counter('cache_stale_served_total', 'Stale values served, by reason.', [
        'namespace',
        'reason',
      ]),
      cacheLoaderCalls: counter('cache_loader_calls_total', 'Loader (factory) invocations.', ['namespace']),
      cacheLoaderDuration: histogram(
        'cache_loader_duration_seconds',
        'Loader (factory) duration.',
        ['namespace'],
        LOADER_BUCKETS,
      ),
      cacheLoaderErrors: counter('cache_loader_errors_total', 'Loader (factory) failures.', ['namespace']),
      cacheWritesSkipped: counter(
        'cache_writes_skipped_total',
        'Cache writes skipped because Redis was unavailable.',
        ['namespace'],
      ),
      cacheBusMessages: counter('cache_bus_messages_total', 'Invalidation bus messages, by direction.', [
        'namespace',
        'direction',
      ]),
      cachePendingInvalidations: gauge(
        'cache_pending_invalidations',
        'Invalidations kept while Redis is unavailable, to replay on recovery.',
        ['namespace'],
      ),

      rateLimitDecisions: counter('ratelimit_decisions_total', 'Rate limit decisions (allowed or denied).', [
        'limiter',
        'outcome',
      ]),
      rateLimitDenyCacheHits: counter(
        'ratelimit_deny_cache_hits_total',
        'Denials answered from the in-process deny cache.',
        ['limiter'],
      ),
      rateLimitDegraded: counter(
        'ratelimit_degraded_total',
        'Rate limit decisions taken without Redis, by degradation mode.',
        ['limiter', 'mode'],
      ),

      lockAcquisitions: counter('lock_acquisitions_total', 'Lock acquisition attempts, by outcome.', [
        'namespace',
        'outcome',
      ]),
      lockWaitDuration: histogram(
        'lock_wait_duration_seconds',
        'Time spent waiting to acquire a lock.',
        ['namespace'],
        LOCK_WAIT_BUCKETS,
      ),
      lockHoldDuration: histogram(
        'lock_hold_duration_seconds',
        'Time a lock was held.',
        ['namespace'],
        LOCK_HOLD_BUCKETS,
      ),
      lockExtensions: counter('lock_extensions_total', 'Lock lease extensions, by outcome.', [
        'namespace',
        'outcome',
      ]),
      locksLost: counter('locks_lost_total', 'Locks lost before release (lease expired or taken).', [
        'namespace',
      ]),

      sessionsCreated: counter('sessions_created_total', 'Sessions created.', ['namespace']),
      sessionEventsAppended: counter('session_events_appended_total', 'Session events appended.', [
        'namespace',
      ]),
      sessionConflicts: counter('session_conflicts_total', 'Optimistic-concurrency conflicts on sessions.', [
        'namespace',
        'operation',
      ]),
      sessionAppendDuration: histogram(
        'session_append_duration_seconds',
        'Duration of session event appends.',
        ['namespace'],
        REDIS_OPERATION_BUCKETS,
      ),
    }
    return metrics
  } catch (error) {
    // Leave the registry as it was: no half-registered set of instruments.
    for (const name of names) registry.removeSingleMetric(name)
    throw error
  }
}
