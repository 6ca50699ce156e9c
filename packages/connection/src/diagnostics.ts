import diagnosticsChannel from 'node:diagnostics_channel'

// ADR-0005: the packages publish what happens on `node:diagnostics_channel` and know no metrics
// library; `@redlayer/metrics` (prom-client) and `@redlayer/opentelemetry` subscribe. A channel
// without subscribers costs one property read: nothing is allocated for it.

/** A breaker's state (ADR-0013). */
export type BreakerState = 'closed' | 'open' | 'half-open'

/**
 * How one guarded Redis operation ended:
 * - `ok`: it succeeded;
 * - `failure`: Redis was unreachable or refused service (connection error, LOADING, READONLY...);
 * - `timeout`: the command or the guard's backstop timed out;
 * - `error`: another error passed through (a script error from bad arguments, the caller's code);
 * - `short_circuit`: the breaker was open and Redis was not called.
 */
export type RedisOperationOutcome = 'ok' | 'failure' | 'timeout' | 'error' | 'short_circuit'

/**
 * Kinds of Redis errors, one per condition of ADR-0013's table: the server unreachable or hung
 * (`connection`, `timeout`), not serving for now (`loading`, `busy`, `masterdown`, `readonly`,
 * `clusterdown`, `maxclients`, `auth`), refusing writes only (`oom`, `misconf`, `noreplicas`), a
 * slot in migration (`tryagain`), or another reply (`other`).
 */
export type RedisErrorKind =
  | 'timeout'
  | 'connection'
  | 'readonly'
  | 'loading'
  | 'busy'
  | 'masterdown'
  | 'clusterdown'
  | 'maxclients'
  | 'auth'
  | 'oom'
  | 'misconf'
  | 'noreplicas'
  | 'tryagain'
  | 'other'

/** Why a call did not get a Redis result (the guard's `UnavailableReason`). */
export type UnavailableReason = 'open' | 'timeout' | 'error' | 'refused'

/**
 * The context of one `guard.run` on `redlayer:redis.operation` (a tracing channel). `operation`
 * is a bounded label (`cache.get`), never a key. The guard fills in how it ended before `asyncEnd`.
 */
export interface RedisOperationContext {
  readonly operation: string
  /** The guard's name: one per Redis connection. */
  readonly breaker: string
  /** The breaker's state when the call began. */
  readonly state: BreakerState
  outcome?: RedisOperationOutcome
  /** The Redis error's kind, when the operation met one (a reply error is `other`). */
  errorKind?: RedisErrorKind
  /** Set when the caller's fallback answered instead of Redis. */
  fallback?: UnavailableReason
  /** From the call to its Redis result or failure (the fallback's own time not included). */
  durationMs?: number
  /** Set by the tracing channel when the call rejects. */
  error?: unknown
}

/** `redlayer:redis.error`: a Redis error outside a guarded call (the lock's wake-up subscriber). */
export interface RedisErrorMessage {
  readonly operation: string
  readonly kind: RedisErrorKind
}

/** `redlayer:breaker.state`: a guard's state, on creation, on each change and (`disposed`) at its end. */
export interface BreakerStateMessage {
  readonly breaker: string
  readonly state: BreakerState | 'disposed'
  /** The state it left; absent when the guard was just created. */
  readonly previous?: BreakerState
}

/** `redlayer:cache.lookup`: values found fresh (`hit`), not found (`miss`) or served stale. */
export interface CacheLookupMessage {
  readonly namespace: string
  readonly result: 'hit' | 'miss' | 'stale'
  /** Where a hit came from. */
  readonly tier?: 'l1' | 'redis'
  /** Why a stale value was served (`grace`, `soft-timeout`, `redis-down`...). */
  readonly reason?: string
  readonly count: number
}

/** The context of one loader run on `redlayer:cache.load` (a tracing channel). */
export interface CacheLoadContext {
  readonly namespace: string
  /** How many ids the loader was asked for (1 for `getOrSet`). */
  readonly ids: number
  durationMs?: number
  error?: unknown
}

/** `redlayer:cache.write-skipped`: writes not sent because Redis was unavailable. */
export interface CacheWriteSkippedMessage {
  readonly namespace: string
  readonly count: number
}

/** `redlayer:cache.bus`: one invalidation message sent (`out`) or received (`in`). */
export interface CacheBusMessage {
  readonly namespace: string
  readonly direction: 'in' | 'out'
}

/** `redlayer:cache.pending-invalidations`: how many invalidations wait for Redis to come back. */
export interface CachePendingInvalidationsMessage {
  readonly namespace: string
  readonly pending: number
}

/** `redlayer:ratelimit.decision`: one `consume` answered. */
export interface RateLimitDecisionMessage {
  readonly limiter: string
  readonly allowed: boolean
  /** Answered from the in-process deny cache, without Redis. */
  readonly denyCache: boolean
  /** The limiter's `onRedisDown` mode, when the decision was taken without Redis. */
  readonly degraded?: string
}

/** The context of one acquisition on `redlayer:lock.acquire` (a tracing channel). */
export interface LockAcquireContext {
  readonly namespace: string
  /** `acquired`, `timeout` (waited `wait` in vain), `aborted` or `unavailable` (no Redis). */
  outcome?: 'acquired' | 'timeout' | 'aborted' | 'unavailable'
  /** Time until acquired or given up. */
  waitMs?: number
  error?: unknown
}

/** `redlayer:lock.lease`: a held lease extended (or not), lost, or ended after `heldMs`. */
export type LockLeaseMessage =
  | { readonly namespace: string; readonly event: 'extension'; readonly outcome: string }
  | { readonly namespace: string; readonly event: 'lost' }
  | { readonly namespace: string; readonly event: 'ended'; readonly heldMs: number }

/** `redlayer:session.write`: one create, append or state update, with the script's status. */
export interface SessionWriteMessage {
  readonly namespace: string
  readonly operation: 'create' | 'append' | 'update'
  /** `created`, `appended`, `duplicate`, `updated`, `conflict`, `not-found`. */
  readonly status: string
  /** The script call's duration (appends). */
  readonly durationMs?: number
}

/** A channel whose messages have one type. */
export interface Channel<M> {
  readonly name: string
  readonly hasSubscribers: boolean
  publish(message: M): void
  subscribe(listener: (message: M, name: string | symbol) => void): void
  unsubscribe(listener: (message: M, name: string | symbol) => void): boolean
}

/** The handlers of a tracing channel, each given the operation's context. */
export interface TracingHandlers<C> {
  start(context: C): void
  end(context: C): void
  asyncStart(context: C): void
  asyncEnd(context: C): void
  error(context: C): void
}

/** A tracing channel (`tracing:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`). */
export interface TracingChannel<C> {
  readonly hasSubscribers: boolean
  tracePromise<T>(fn: () => Promise<T>, context: C): Promise<T>
  subscribe(handlers: Partial<TracingHandlers<C>>): void
  unsubscribe(handlers: Partial<TracingHandlers<C>>): boolean
}

const plain = <M>(name: string) => diagnosticsChannel.channel(name) as unknown as Channel<M>
const tracing = <C extends object>(name: string) =>
  diagnosticsChannel.tracingChannel(name) as unknown as TracingChannel<C>

/** Every channel redlayer publishes on, by name; the names are part of the public API. */
export const redlayerChannels = {
  redisOperation: tracing<RedisOperationContext>('redlayer:redis.operation'),
  redisError: plain<RedisErrorMessage>('redlayer:redis.error'),
  breakerState: plain<BreakerStateMessage>('redlayer:breaker.state'),
  cacheLookup: plain<CacheLookupMessage>('redlayer:cache.lookup'),
  cacheLoad: tracing<CacheLoadContext>('redlayer:cache.load'),
  cacheWriteSkipped: plain<CacheWriteSkippedMessage>('redlayer:cache.write-skipped'),
  cacheBus: plain<CacheBusMessage>('redlayer:cache.bus'),
  cachePendingInvalidations: plain<CachePendingInvalidationsMessage>('redlayer:cache.pending-invalidations'),
  rateLimitDecision: plain<RateLimitDecisionMessage>('redlayer:ratelimit.decision'),
  lockAcquire: tracing<LockAcquireContext>('redlayer:lock.acquire'),
  lockLease: plain<LockLeaseMessage>('redlayer:lock.lease'),
  sessionWrite: plain<SessionWriteMessage>('redlayer:session.write'),
} as const

/**
 * Runs `fn` inside `channel`'s trace when something listens, with the context `context()` builds
 * (and `fn` may fill in); without a subscriber it only calls `fn`, and builds nothing.
 */
export function traced<C extends object, T>(
  channel: TracingChannel<C>,
  context: () => NoInfer<C>,
  fn: (context: C | undefined) => Promise<T>,
): Promise<T> {
  if (!channel.hasSubscribers) return fn(undefined)
  const ctx = context()
  return channel.tracePromise(() => fn(ctx), ctx)
}
