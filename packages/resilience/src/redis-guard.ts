import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { createRedlayerMetrics, type RedisOperationOutcome, type RedlayerMetrics } from '@redlayer/metrics'
import CircuitBreaker from 'opossum'
import {
  type RedisGuardOptions,
  type ResolvedRedisGuardOptions,
  resolveGuardOptions,
} from './guard-options.js'
import { isRedisReplyError, redisFailureKind } from './redis-failure.js'
import { withTimeout } from './with-timeout.js'

export type BreakerState = 'closed' | 'open' | 'half-open'

/** Why a call did not get a Redis result: the breaker was open, the call timed out, or failed. */
export type UnavailableReason = 'open' | 'timeout' | 'error'

export interface StateChange {
  readonly from: BreakerState
  readonly to: BreakerState
}

export interface RunOptions<T> {
  /**
   * Called instead of throwing `E_REDIS_UNAVAILABLE` when Redis is unavailable; its value (or its
   * error) is what `run` returns. `error` is the Redis failure, absent when the breaker was open.
   */
  fallback?: (reason: UnavailableReason, error?: unknown) => T | Promise<T>
  /** Stops waiting for `fn` (the call rejects with the signal's reason; not a Redis failure). */
  signal?: AbortSignal
  /**
   * This call's backstop instead of the guard's `commandTimeoutMs`, for a command that may
   * legitimately wait longer (WAIT, a blocking pop on its own connection). A positive integer.
   */
  timeoutMs?: number
}

export interface RedisGuard extends AsyncDisposable {
  readonly name: string
  readonly state: BreakerState
  /** True once disposed: `run` then throws `E_GUARD_DISPOSED`. */
  readonly disposed: boolean
  readonly metrics: RedlayerMetrics
  readonly options: Readonly<Omit<ResolvedRedisGuardOptions, 'redis' | 'metrics'>>
  /**
   * Runs one Redis operation through the breaker. `operation` is a bounded label such as
   * `cache.get` (never a key). A Redis failure inside `fn` counts toward the breaker and yields
   * the fallback or `E_REDIS_UNAVAILABLE`; any other error is rethrown unchanged and not counted.
   * While the breaker is open or half-open, `fn` is not called.
   */
  run<T>(operation: string, fn: () => Promise<T>, options?: RunOptions<T>): Promise<T>
  on(event: 'stateChange', listener: (change: StateChange) => void): this
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
  once(event: 'stateChange', listener: (change: StateChange) => void): this
  once(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
  off(event: 'stateChange', listener: (change: StateChange) => void): this
  off(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
}

const STATE_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 }
const STATE_EVENT = { closed: 'close', 'half-open': 'halfOpen', open: 'open' } as const
const ROLLING_BUCKETS = 10
/** The `operation` label of the guard's own PING while half-open. */
export const PROBE_OPERATION = 'breaker.probe'
const OPERATION_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/

type Action = (call: () => Promise<unknown>) => Promise<unknown>

class CircuitRedisGuard extends EventEmitter implements RedisGuard {
  readonly name: string
  readonly metrics: RedlayerMetrics
  readonly options: Readonly<Omit<ResolvedRedisGuardOptions, 'redis' | 'metrics'>>
  readonly #redis: RedisClient
  readonly #breaker: CircuitBreaker<Parameters<Action>, unknown>
  // ADR-0013: the guard rotates opossum's rolling window itself, so it can empty the window when
  // the breaker closes (failures from before an outage must not re-open it on the next error).
  readonly #rotation = new EventEmitter()
  readonly #rotationTimer: NodeJS.Timeout
  #state: BreakerState = 'closed'
  #disposed = false

  constructor(resolved: ResolvedRedisGuardOptions) {
    super()
    const { redis, metrics, ...options } = resolved
    this.name = options.name
    this.options = Object.freeze(options)
    this.metrics = metrics ?? createRedlayerMetrics()
    this.#redis = redis
    const action: Action = (call) => call()
    this.#breaker = new CircuitBreaker(action, {
      name: options.name,
      // ADR-0013: the per-call timeout is ours (withTimeout): opossum's timer is not unref()ed.
      timeout: false,
      volumeThreshold: options.volumeThreshold,
      errorThresholdPercentage: options.errorThresholdPercentage,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      rollingCountBuckets: ROLLING_BUCKETS,
      resetTimeout: options.resetTimeoutMs,
      // ADR-0013: only Redis failures count; a filtered error is rethrown and counts as a success.
      errorFilter: (error: unknown) => redisFailureKind(error) === undefined,
      // Percentiles would keep every latency of the window and sort them on each failure.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.#rotation,
    })
    this.#rotationTimer = setInterval(
      () => this.#rotation.emit('rotate'),
      Math.floor(options.rollingCountTimeoutMs / ROLLING_BUCKETS),
    )
    this.#rotationTimer.unref()
    this.#breaker.on('open', () => this.#transition('open'))
    this.#breaker.on('close', () => this.#transition('closed'))
    this.#breaker.on('halfOpen', () => {
      this.#transition('half-open')
      this.#probe()
    })
    this.metrics.breakerState.set({ breaker: this.name }, STATE_GAUGE.closed)
  }

  get state(): BreakerState {
    return this.#state
  }

  get disposed(): boolean {
    return this.#disposed
  }

  async run<T>(operation: string, fn: () => Promise<T>, options: RunOptions<T> = {}): Promise<T> {
    if (typeof operation !== 'string' || !OPERATION_PATTERN.test(operation)) {
      throw new RedlayerError(
        'E_INVALID_ARGUMENT',
        'guard.run: `operation` must be a short label (a letter, then up to 63 letters, digits or _ . : -), never a key',
      )
    }
    if (typeof fn !== 'function') {
      throw new RedlayerError('E_INVALID_ARGUMENT', 'guard.run: `fn` must be a function returning a promise')
    }
    if (this.#disposed) {
      throw new RedlayerError('E_GUARD_DISPOSED', `guard "${this.name}" has been disposed`, {
        details: { breaker: this.name, operation },
      })
    }
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new RedlayerError('E_INVALID_ARGUMENT', 'guard.run: `timeoutMs` must be a positive integer')
    }
    options.signal?.throwIfAborted()
    const started = performance.now()
    // ADR-0013: open or half-open, user calls never reach the socket; only the probe does.
    if (this.#state !== 'closed') return this.#shortCircuit(operation, started, options.fallback)

    let value: unknown
    try {
      value = await this.#breaker.fire(() => withTimeout(fn, timeoutMs, operation, options.signal))
    } catch (error) {
      const kind = redisFailureKind(error)
      if (kind !== undefined) {
        this.metrics.redisErrors.inc({ operation, kind })
        const reason: UnavailableReason = kind === 'timeout' ? 'timeout' : 'error'
        this.#observe(operation, started, kind === 'timeout' ? 'timeout' : 'failure')
        return this.#unavailable(operation, reason, error, options.fallback)
      }
      // opossum refused the call itself (opened by a concurrent failure, or shut down meanwhile).
      if (isBreakerRefusal(error)) return this.#shortCircuit(operation, started, options.fallback)
      if (isRedisReplyError(error)) this.metrics.redisErrors.inc({ operation, kind: 'other' })
      this.#observe(operation, started, 'error')
      throw error
    }
    this.#observe(operation, started, 'ok')
    return value as T
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    clearInterval(this.#rotationTimer)
    this.#breaker.shutdown() // clears opossum's reset timer and removes its listeners
    this.metrics.breakerState.remove({ breaker: this.name })
  }

  #shortCircuit<T>(operation: string, started: number, fallback: RunOptions<T>['fallback']): Promise<T> {
    this.metrics.breakerShortCircuits.inc({ operation })
    this.#observe(operation, started, 'short_circuit')
    return this.#unavailable(operation, 'open', undefined, fallback)
  }

  async #unavailable<T>(
    operation: string,
    reason: UnavailableReason,
    error: unknown,
    fallback: RunOptions<T>['fallback'],
  ): Promise<T> {
    if (fallback) {
      this.metrics.fallbacks.inc({ operation, reason })
      return fallback(reason, error)
    }
    const why = reason === 'open' ? 'circuit breaker open' : reason === 'timeout' ? 'timed out' : 'failed'
    throw new RedlayerError('E_REDIS_UNAVAILABLE', `Redis is unavailable (${why}) for "${operation}"`, {
      cause: error,
      details: { operation, reason, breaker: this.name, state: this.#state },
    })
  }

  #observe(operation: string, started: number, outcome: RedisOperationOutcome): void {
    this.metrics.observeRedisOperation(operation, performance.now() - started, outcome)
  }

  // ADR-0013: half-open probes with a PING of its own, never with user traffic. opossum lets the
  // first call through while half-open: that call is this PING. Success closes the breaker (and
  // empties the window); a Redis failure re-opens it and restarts the reset timer.
  #probe(): void {
    const started = performance.now()
    this.#breaker
      .fire(() => withTimeout(() => this.#redis.ping(), this.options.commandTimeoutMs, PROBE_OPERATION))
      .then(
        () => this.#observe(PROBE_OPERATION, started, 'ok'),
        (error: unknown) => {
          const kind = redisFailureKind(error)
          if (kind !== undefined) this.metrics.redisErrors.inc({ operation: PROBE_OPERATION, kind })
          this.#observe(
            PROBE_OPERATION,
            started,
            kind === undefined ? 'error' : kind === 'timeout' ? 'timeout' : 'failure',
          )
        },
      )
  }

  #transition(to: BreakerState): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    if (to === 'closed') {
      for (let i = 0; i < ROLLING_BUCKETS; i++) this.#rotation.emit('rotate')
    }
    this.metrics.breakerState.set({ breaker: this.name }, STATE_GAUGE[to])
    this.metrics.breakerTransitions.inc({ breaker: this.name, from, to })
    // Listeners run on the next tick: a throwing listener must not break opossum's bookkeeping
    // (it runs inside opossum's promise handlers, where a throw would become a lost rejection).
    process.nextTick(() => {
      this.emit('stateChange', { from, to } satisfies StateChange)
      this.emit(STATE_EVENT[to])
    })
  }
}

function isBreakerRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && CircuitBreaker.isOurError(error as Error)
}

/**
 * Creates the circuit breaker of one Redis connection (ADR-0013). Create one per connection, in
 * the app, and pass it to every package: they then share one view of whether Redis is up.
 */
export function createRedisGuard(options: RedisGuardOptions): RedisGuard {
  return new CircuitRedisGuard(resolveGuardOptions(options))
}
