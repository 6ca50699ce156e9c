import {
  type Attributes,
  context,
  type Meter,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
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

export interface InstrumentRedlayerOptions {
  /** Where spans go; the global tracer provider (`trace.getTracerProvider()`) when omitted. */
  tracerProvider?: TracerProvider
  /** Where the instruments are created; the global meter provider when omitted. */
  meterProvider?: MeterProvider
  /** `false` to record metrics only. */
  spans?: boolean
  /** `false` to record spans only. */
  metrics?: boolean
}

/** The subscription; `close()` (or `using`) unsubscribes from every channel. */
export interface RedlayerInstrumentation extends Disposable {
  close(): void
}

const SCOPE = '@redlayer/opentelemetry'
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 }
/** The explicit bucket edges (seconds) of the duration histograms, as in `@redlayer/metrics`. */
const SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

/**
 * Subscribes OpenTelemetry to redlayer's diagnostics channels (ADR-0005): a span per guarded Redis
 * operation, cache load and lock acquisition (child of the span active when it started), and
 * instruments named `redlayer.*` whose attributes are the same bounded labels as the prom-client
 * metrics (never a key, an id or a value). Every redlayer object of the process is recorded.
 */
export function instrumentRedlayer(options: InstrumentRedlayerOptions = {}): RedlayerInstrumentation {
  const unsubscribes: (() => void)[] = []
  if (options.spans !== false) {
    unsubscribes.push(traceSpans((options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE)))
  }
  if (options.metrics !== false) {
    unsubscribes.push(recordMetrics((options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE)))
  }
  const close = () => {
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe()
  }
  return { close, [Symbol.dispose]: close }
}

/** A span per traced operation, started at `start` and ended at `asyncEnd` (or a sync `error`). */
function traceSpans(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>()
  const started = (name: string, ctx: object, attributes: Attributes) => {
    spans.set(ctx, tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active()))
  }
  const finish = (ctx: { error?: unknown }, attributes: Attributes) => {
    const span = spans.get(ctx)
    if (span === undefined) return
    spans.delete(ctx)
    span.setAttributes(attributes)
    if (ctx.error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(ctx.error) })
    }
    span.end()
  }

  // A function that throws before returning its promise ends with `error` then `end`, no `asyncEnd`.
  const thrown = { end: (ctx: { error?: unknown }) => ctx.error !== undefined && finish(ctx, {}) }
  const redisOperation = {
    ...thrown,
    start: (ctx: RedisOperationContext) =>
      started(ctx.operation, ctx, {
        'db.system.name': 'redis',
        'redlayer.operation': ctx.operation,
        'redlayer.breaker': ctx.breaker,
        'redlayer.breaker.state': ctx.state,
      }),
    asyncEnd: (ctx: RedisOperationContext) =>
      finish(
        ctx,
        defined({
          'redlayer.outcome': ctx.outcome,
          'redlayer.error_kind': ctx.errorKind,
          'redlayer.fallback': ctx.fallback,
        }),
      ),
  }
  const cacheLoad = {
    ...thrown,
    start: (ctx: CacheLoadContext) =>
      started('cache.load', ctx, { 'redlayer.namespace': ctx.namespace, 'redlayer.cache.ids': ctx.ids }),
    asyncEnd: (ctx: CacheLoadContext) => finish(ctx, {}),
  }
  const lockAcquire = {
    ...thrown,
    start: (ctx: LockAcquireContext) => started('lock.acquire', ctx, { 'redlayer.namespace': ctx.namespace }),
    asyncEnd: (ctx: LockAcquireContext) =>
      finish(ctx, defined({ 'redlayer.outcome': ctx.outcome, 'redlayer.lock.wait_ms': ctx.waitMs })),
  }
  channels.redisOperation.subscribe(redisOperation)
  channels.cacheLoad.subscribe(cacheLoad)
  channels.lockAcquire.subscribe(lockAcquire)
  return () => {
    channels.redisOperation.unsubscribe(redisOperation)
    channels.cacheLoad.unsubscribe(cacheLoad)
    channels.lockAcquire.unsubscribe(lockAcquire)
  }
}

/** The OpenTelemetry instruments: one per kind of event, its details as attributes. */
function recordMetrics(meter: Meter): () => void {
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS } })
  const operationDuration = seconds('redlayer.redis.operation.duration', 'Guarded Redis operations.')
  const breakerState = meter.createGauge('redlayer.breaker.state', {
    description: 'Circuit breaker state per Redis connection: 0 closed, 1 half-open, 2 open.',
  })
  const breakerTransitions = meter.createCounter('redlayer.breaker.transitions', {
    description: 'Circuit breaker state transitions.',
  })
  const redisErrors = meter.createCounter('redlayer.redis.errors', { description: 'Redis errors, by kind.' })
  const cacheLookups = meter.createCounter('redlayer.cache.lookups', {
    description: 'Cache lookups by result (hit, miss, stale), tier and stale reason.',
  })
  const loaderDuration = seconds('redlayer.cache.loader.duration', 'Cache loader (factory) runs.')
  const cacheWritesSkipped = meter.createCounter('redlayer.cache.writes_skipped', {
    description: 'Cache writes skipped because Redis was unavailable.',
  })
  const cacheBus = meter.createCounter('redlayer.cache.bus.messages', {
    description: 'Invalidation bus messages.',
  })
  const cachePending = meter.createGauge('redlayer.cache.pending_invalidations', {
    description: 'Invalidations kept while Redis is unavailable, to replay on recovery.',
  })
  const decisions = meter.createCounter('redlayer.ratelimit.decisions', {
    description: 'Rate limit decisions, by outcome and where they were taken.',
  })
  const lockWait = seconds('redlayer.lock.wait.duration', 'Lock acquisitions, by outcome.')
  const lockLease = meter.createCounter('redlayer.lock.lease.events', {
    description: 'Lease extensions (by outcome) and leases lost.',
  })
  const lockHold = seconds('redlayer.lock.hold.duration', 'Time a lock was held.')
  const sessionWrites = meter.createCounter('redlayer.session.writes', {
    description: 'Session creates, appends and updates, by status.',
  })
  const appendDuration = seconds('redlayer.session.append.duration', 'Session event appends.')

  const redisOperation = {
    asyncEnd(ctx: RedisOperationContext) {
      const attributes = defined({
        'redlayer.operation': ctx.operation,
        'redlayer.outcome': ctx.outcome ?? 'error',
        'redlayer.fallback': ctx.fallback,
      })
      operationDuration.record((ctx.durationMs ?? 0) / 1000, attributes)
      if (ctx.errorKind !== undefined) {
        redisErrors.add(1, { 'redlayer.operation': ctx.operation, 'redlayer.error_kind': ctx.errorKind })
      }
    },
  }
  const cacheLoad = {
    asyncEnd(ctx: CacheLoadContext) {
      loaderDuration.record((ctx.durationMs ?? 0) / 1000, {
        'redlayer.namespace': ctx.namespace,
        'redlayer.outcome': ctx.error === undefined ? 'ok' : 'error',
      })
    },
  }
  const lockAcquire = {
    asyncEnd(ctx: LockAcquireContext) {
      if (ctx.outcome === undefined) return
      lockWait.record((ctx.waitMs ?? 0) / 1000, {
        'redlayer.namespace': ctx.namespace,
        'redlayer.outcome': ctx.outcome,
      })
    },
  }
  const handlers = {
    redisError: (m: RedisErrorMessage) =>
      redisErrors.add(1, { 'redlayer.operation': m.operation, 'redlayer.error_kind': m.kind }),
    breakerState: (m: BreakerStateMessage) => {
      if (m.state === 'disposed') return
      breakerState.record(STATE_VALUE[m.state], { 'redlayer.breaker': m.breaker })
      if (m.previous !== undefined) {
        breakerTransitions.add(1, {
          'redlayer.breaker': m.breaker,
          'redlayer.from': m.previous,
          'redlayer.to': m.state,
        })
      }
    },
    cacheLookup: (m: CacheLookupMessage) =>
      cacheLookups.add(
        m.count,
        defined({
          'redlayer.namespace': m.namespace,
          'redlayer.result': m.result,
          'redlayer.tier': m.tier,
          'redlayer.reason': m.reason,
        }),
      ),
    cacheWriteSkipped: (m: CacheWriteSkippedMessage) =>
      cacheWritesSkipped.add(m.count, { 'redlayer.namespace': m.namespace }),
    cacheBus: (m: CacheBusMessage) =>
      cacheBus.add(1, { 'redlayer.namespace': m.namespace, 'redlayer.direction': m.direction }),
    cachePendingInvalidations: (m: CachePendingInvalidationsMessage) =>
      cachePending.record(m.pending, { 'redlayer.namespace': m.namespace }),
    rateLimitDecision: (m: RateLimitDecisionMessage) =>
      decisions.add(1, {
        'redlayer.limiter': m.limiter,
        'redlayer.outcome': m.allowed ? 'allowed' : 'denied',
        'redlayer.source': m.degraded ?? (m.denyCache ? 'deny-cache' : 'redis'),
      }),
    lockLease: (m: LockLeaseMessage) => {
      if (m.event === 'ended') lockHold.record(m.heldMs / 1000, { 'redlayer.namespace': m.namespace })
      else {
        const outcome = m.event === 'extension' ? m.outcome : undefined
        lockLease.add(
          1,
          defined({
            'redlayer.namespace': m.namespace,
            'redlayer.event': m.event,
            'redlayer.outcome': outcome,
          }),
        )
      }
    },
    sessionWrite: (m: SessionWriteMessage) => {
      const attributes = {
        'redlayer.namespace': m.namespace,
        'redlayer.operation': m.operation,
        'redlayer.status': m.status,
      }
      sessionWrites.add(1, attributes)
      if (m.durationMs !== undefined) appendDuration.record(m.durationMs / 1000, attributes)
    },
  } as const

  channels.redisOperation.subscribe(redisOperation)
  channels.cacheLoad.subscribe(cacheLoad)
  channels.lockAcquire.subscribe(lockAcquire)
  const plain = Object.entries(handlers) as [keyof typeof handlers, (message: never) => void][]
  for (const [name, handler] of plain) channels[name].subscribe(handler as never)
  return () => {
    channels.redisOperation.unsubscribe(redisOperation)
    channels.cacheLoad.unsubscribe(cacheLoad)
    channels.lockAcquire.unsubscribe(lockAcquire)
    for (const [name, handler] of plain) channels[name].unsubscribe(handler as never)
  }
}

/** The attributes whose value is set. */
function defined(attributes: Record<string, string | number | undefined>): Attributes {
  const out: Attributes = {}
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) out[name] = value
  return out
}

/** An error's class or code for the span status: never its message (it may hold a key). */
function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string') return code
    return (error as Error).name ?? 'Error'
  }
  return typeof error
}
