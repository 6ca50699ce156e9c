import {
  type BreakerState,
  type BreakerStateMessage,
  type CacheBusMessage,
  type CacheLoadContext,
  type CacheLookupMessage,
  type CachePendingInvalidationsMessage,
  type CacheWriteSkippedMessage,
  redlayerChannels as channels,
  type LockAcquireContext,
  type LockLeaseMessage,
  type RateLimitDecisionMessage,
  type RedisErrorMessage,
  type RedisOperationContext,
  type SessionWriteMessage,
} from '@redlayer/connection/diagnostics'
import type { PendingUpdates } from './pending-updates.js'
import type { RedlayerMetrics } from './redlayer-metrics.js'

const STATE_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 }

/**
 * Subscribes `m` to every redlayer channel (ADR-0005) and returns the unsubscribe. Each message
 * becomes the instrument updates the packages made themselves before: names and labels unchanged.
 * The updates of every call (durations, hits, decisions, acquisitions, appends) go through
 * `pending`, handed over on the instruments' next read (issue 18).
 */
export function subscribeInstruments(m: RedlayerMetrics, pending: PendingUpdates): () => void {
  // Breakers seen, so that a guard created before the subscription gets its state gauge from
  // its first operation.
  const breakers = new Set<string>()
  const setState = (breaker: string, state: BreakerState) => {
    breakers.add(breaker)
    m.breakerState.set({ breaker }, STATE_GAUGE[state])
  }

  // The children of the instruments every call touches, bound once per label set: prom-client
  // would otherwise check and hash the label object on each call. Every label is bounded.
  const duration = bound((labels: { operation: string; outcome: string }) =>
    m.redisOperationDuration.labels(labels),
  )
  const hits = bound((labels: { namespace: string; tier: string }) => m.cacheHits.labels(labels))
  const misses = bound((labels: { namespace: string }) => m.cacheMisses.labels(labels))
  const decisions = bound((labels: { limiter: string; outcome: string }) =>
    m.rateLimitDecisions.labels(labels),
  )
  const acquisitions = bound((labels: { namespace: string; outcome: string }) =>
    m.lockAcquisitions.labels(labels),
  )
  const holds = bound((labels: { namespace: string }) => m.lockHoldDuration.labels(labels))
  const appendDuration = bound((labels: { namespace: string }) => m.sessionAppendDuration.labels(labels))
  const appended = bound((labels: { namespace: string }) => m.sessionEventsAppended.labels(labels))

  const redisOperation = {
    asyncEnd(ctx: RedisOperationContext) {
      const { operation, outcome = 'error', durationMs = 0 } = ctx
      if (!breakers.has(ctx.breaker)) setState(ctx.breaker, ctx.state)
      pending.observe(duration(`${operation} ${outcome}`, { operation, outcome }), durationMs / 1000)
      if (durationMs >= m.slowOperations.thresholdMs) {
        m.redisSlowOperations.inc({ operation })
        m.slowOperations.record({ operation, durationMs, at: Date.now(), outcome })
      }
      if (ctx.errorKind !== undefined) m.redisErrors.inc({ operation, kind: ctx.errorKind })
      if (outcome === 'short_circuit') m.breakerShortCircuits.inc({ operation })
      if (ctx.fallback !== undefined) m.fallbacks.inc({ operation, reason: ctx.fallback })
    },
  }
  const redisError = ({ operation, kind }: RedisErrorMessage) => m.redisErrors.inc({ operation, kind })
  const breakerState = ({ breaker, state, previous }: BreakerStateMessage) => {
    if (state === 'disposed') {
      breakers.delete(breaker)
      m.breakerState.remove({ breaker })
      return
    }
    setState(breaker, state)
    if (previous !== undefined) m.breakerTransitions.inc({ breaker, from: previous, to: state })
  }

  const cacheLookup = ({ namespace, result, tier, reason, count }: CacheLookupMessage) => {
    if (result === 'hit')
      pending.inc(hits(`${namespace} ${tier}`, { namespace, tier: tier ?? 'redis' }), count)
    else if (result === 'miss') pending.inc(misses(namespace, { namespace }), count)
    else m.cacheStaleServed.inc({ namespace, reason: reason ?? 'unknown' }, count)
  }
  const cacheLoad = {
    start({ namespace }: CacheLoadContext) {
      m.cacheLoaderCalls.inc({ namespace })
    },
    asyncEnd({ namespace, durationMs = 0, error }: CacheLoadContext) {
      m.cacheLoaderDuration.observe({ namespace }, durationMs / 1000)
      if (error !== undefined) m.cacheLoaderErrors.inc({ namespace })
    },
  }
  const cacheWriteSkipped = ({ namespace, count }: CacheWriteSkippedMessage) =>
    m.cacheWritesSkipped.inc({ namespace }, count)
  const cacheBus = ({ namespace, direction }: CacheBusMessage) =>
    m.cacheBusMessages.inc({ namespace, direction })
  const cachePending = ({ namespace, pending }: CachePendingInvalidationsMessage) =>
    m.cachePendingInvalidations.set({ namespace }, pending)

  const rateLimitDecision = ({ limiter, allowed, denyCache, degraded }: RateLimitDecisionMessage) => {
    const outcome = allowed ? 'allowed' : 'denied'
    pending.inc(decisions(`${limiter} ${outcome}`, { limiter, outcome }))
    if (denyCache) m.rateLimitDenyCacheHits.inc({ limiter })
    if (degraded !== undefined) m.rateLimitDegraded.inc({ limiter, mode: degraded })
  }

  const lockAcquire = {
    asyncEnd({ namespace, outcome, waitMs }: LockAcquireContext) {
      if (outcome === undefined) return // another error: not an acquisition outcome
      pending.inc(acquisitions(`${namespace} ${outcome}`, { namespace, outcome }))
      if (waitMs !== undefined) m.lockWaitDuration.observe({ namespace }, waitMs / 1000)
    },
  }
  const lockLease = (message: LockLeaseMessage) => {
    const { namespace } = message
    if (message.event === 'extension') m.lockExtensions.inc({ namespace, outcome: message.outcome })
    else if (message.event === 'lost') m.locksLost.inc({ namespace })
    else pending.observe(holds(namespace, { namespace }), message.heldMs / 1000)
  }

  const sessionWrite = ({ namespace, operation, status, durationMs }: SessionWriteMessage) => {
    if (status === 'created') m.sessionsCreated.inc({ namespace })
    if (operation === 'append') {
      if (durationMs !== undefined)
        pending.observe(appendDuration(namespace, { namespace }), durationMs / 1000)
      if (status === 'appended') pending.inc(appended(namespace, { namespace }))
    }
    if (status === 'conflict') m.sessionConflicts.inc({ namespace, operation })
  }

  channels.redisOperation.subscribe(redisOperation)
  channels.redisError.subscribe(redisError)
  channels.breakerState.subscribe(breakerState)
  channels.cacheLookup.subscribe(cacheLookup)
  channels.cacheLoad.subscribe(cacheLoad)
  channels.cacheWriteSkipped.subscribe(cacheWriteSkipped)
  channels.cacheBus.subscribe(cacheBus)
  channels.cachePendingInvalidations.subscribe(cachePending)
  channels.rateLimitDecision.subscribe(rateLimitDecision)
  channels.lockAcquire.subscribe(lockAcquire)
  channels.lockLease.subscribe(lockLease)
  channels.sessionWrite.subscribe(sessionWrite)
  return () => {
    channels.redisOperation.unsubscribe(redisOperation)
    channels.redisError.unsubscribe(redisError)
    channels.breakerState.unsubscribe(breakerState)
    channels.cacheLookup.unsubscribe(cacheLookup)
    channels.cacheLoad.unsubscribe(cacheLoad)
    channels.cacheWriteSkipped.unsubscribe(cacheWriteSkipped)
    channels.cacheBus.unsubscribe(cacheBus)
    channels.cachePendingInvalidations.unsubscribe(cachePending)
    channels.rateLimitDecision.unsubscribe(rateLimitDecision)
    channels.lockAcquire.unsubscribe(lockAcquire)
    channels.lockLease.unsubscribe(lockLease)
    channels.sessionWrite.unsubscribe(sessionWrite)
  }
}

/** A memo of instrument children by a key of their labels (`make` runs once per key). */
function bound<L, C>(make: (labels: L) => C): (key: string, labels: L) => C {
  const children = new Map<string, C>()
  return (key, labels) => {
    let child = children.get(key)
    if (child === undefined) {
      child = make(labels)
      children.set(key, child)
    }
    return child
  }
}
