import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { type RedisClient, RedlayerError } from '@redlayer/connection'
import {
  type BreakerState,
  type RedisOperationContext,
  type RedisOperationOutcome,
  redlayerChannels,
  traced,
  type UnavailableReason,
} from '@redlayer/connection/diagnostics'
import type { SharedRun } from '@redlayer/connection/internal'
import CircuitBreaker from 'opossum'
import {
  type RedisGuardOptions,
  type ResolvedRedisGuardOptions,
  resolveGuardOptions,
} from './guard-options.js'
import type { RedisGuard, RedisRefusal, RunOptions, StateChange } from './guard-types.js'
import { isRedisReplyError, type RedisFailure, type RedisOutcome, redisFailureOf } from './redis-failure.js'
import { SEND_NOW, SharedRuns } from './shared-runs.js'
import { withTimeout } from './with-timeout.js'

const STATE_EVENT = { closed: 'close', 'half-open': 'halfOpen', open: 'open' } as const
const ROLLING_BUCKETS = 10
/** The `operation` label of the guard's own PING while half-open. */
export const PROBE_OPERATION = 'breaker.probe'
const OPERATION_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/
/** Labels that passed OPERATION_PATTERN (a set lookup per call instead of the pattern), bounded. */
const validOperations = new Set<string>()
const MAX_VALID_OPERATIONS = 1_024

type Action = (call: () => Promise<unknown>) => Promise<unknown>

class CircuitRedisGuard extends EventEmitter implements RedisGuard {
  readonly name: string
  readonly options: Readonly<Omit<ResolvedRedisGuardOptions, 'redis'>>
  readonly #redis: RedisClient
  readonly #breaker: CircuitBreaker<Parameters<Action>, unknown>
  // ADR-0013: the guard rotates opossum's rolling window itself, so it can empty the window when
  // the breaker closes (failures from before an outage must not re-open it on the next error).
  readonly #rotation = new EventEmitter()
  readonly #rotationTimer: NodeJS.Timeout
  #state: BreakerState = 'closed'
  #disposed = false
  // ADR-0013: the hang rule. When the server last answered anything, and how many counted
  // failures came in a row since.
  #lastReplyAt = performance.now()
  #consecutiveFailures = 0
  #refusal: RedisRefusal | undefined
  #readyProbe: Promise<void> | undefined
  readonly #onReady = () => this.#probeOnReady()
  readonly #shared = new SharedRuns((operation, send, options) => this.run(operation, send, options))

  constructor(resolved: ResolvedRedisGuardOptions) {
    super()
    const { redis, ...options } = resolved
    this.name = options.name
    this.options = Object.freeze(options)
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
      // ADR-0013: only failures that mean "this server cannot serve us" count; a filtered error
      // (a refusal of one write, the caller's own error) is rethrown and counts as a success.
      errorFilter: (error: unknown) => redisFailureOf(error)?.counts !== true,
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
    publishState({ breaker: this.name, state: 'closed' })
    // ADR-0013: a client that is ready again (reconnected, or moved to a promoted primary) is
    // probed at once instead of at the next reset timer.
    redis.on('ready', this.#onReady)
  }

  get state(): BreakerState {
    return this.#state
  }

  get disposed(): boolean {
    return this.#disposed
  }

  get refusal(): RedisRefusal | undefined {
    const refusal = this.#refusal
    return refusal !== undefined && Date.now() - refusal.at < this.options.rollingCountTimeoutMs
      ? refusal
      : undefined
  }

  async run<T>(operation: string, fn: () => Promise<T>, options: RunOptions<T> = {}): Promise<T> {
    this.#check(operation, fn)
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new RedlayerError('E_INVALID_ARGUMENT', 'guard.run: `timeoutMs` must be a positive integer')
    }
    options.signal?.throwIfAborted()
    return traced(
      redlayerChannels.redisOperation,
      () => ({ operation, breaker: this.name, state: this.#state }),
      (trace) => this.#run(operation, fn, timeoutMs, options, trace),
    )
  }

  runShared<T>(
    operation: string,
    fn: (shared: SharedRun) => Promise<T>,
    options: RunOptions<T> = {},
  ): Promise<T> {
    // Not closed (or a backstop of its own): a run of its own, exactly as `run`.
    if (this.#state !== 'closed' || this.#disposed || options.timeoutMs !== undefined)
      return this.run(operation, () => fn(SEND_NOW), options)
    try {
      this.#check(operation, fn)
      options.signal?.throwIfAborted()
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#shared.ride(operation, fn, options)
  }

  #check(operation: string, fn: unknown): void {
    if (!validOperations.has(operation)) {
      if (typeof operation !== 'string' || !OPERATION_PATTERN.test(operation)) {
        throw new RedlayerError(
          'E_INVALID_ARGUMENT',
          'guard.run: `operation` must be a short label (a letter, then up to 63 letters, digits or _ . : -), never a key',
        )
      }
      if (validOperations.size < MAX_VALID_OPERATIONS) validOperations.add(operation)
    }
    if (typeof fn !== 'function') {
      throw new RedlayerError('E_INVALID_ARGUMENT', 'guard.run: `fn` must be a function returning a promise')
    }
    if (this.#disposed) {
      throw new RedlayerError('E_GUARD_DISPOSED', `guard "${this.name}" has been disposed`, {
        details: { breaker: this.name, operation },
      })
    }
  }

  async #run<T>(
    operation: string,
    fn: () => Promise<T>,
    timeoutMs: number,
    options: RunOptions<T>,
    trace: RedisOperationContext | undefined,
  ): Promise<T> {
    const started = performance.now()
    // ADR-0013: open or half-open, user calls never reach the socket; only the probe does.
    if (this.#state !== 'closed') return this.#shortCircuit(operation, started, options.fallback, trace)

    let value: unknown
    try {
      value = await this.#breaker.fire(() => withTimeout(fn, timeoutMs, operation, options.signal))
    } catch (error) {
      const failure = redisFailureOf(error)
      if (failure !== undefined) {
        ended(trace, started, failure.kind === 'timeout' ? 'timeout' : 'failure', failure.kind)
        if (failure.counts) this.#counted(failure, started)
        else this.#refused(failure)
        const reason: UnavailableReason =
          failure.kind === 'timeout' ? 'timeout' : failure.counts ? 'error' : 'refused'
        return this.#unavailable(operation, reason, error, failure, options.fallback, trace)
      }
      // opossum refused the call itself (opened by a concurrent failure, or shut down meanwhile).
      if (isBreakerRefusal(error)) return this.#shortCircuit(operation, started, options.fallback, trace)
      const replyError = isRedisReplyError(error)
      if (replyError) this.#answered()
      ended(trace, started, 'error', replyError ? 'other' : undefined)
      throw error
    }
    this.#answered()
    ended(trace, started, 'ok')
    return value as T
  }

  /** The server answered (a result or a reply error): it is not hung. */
  #answered(): void {
    this.#lastReplyAt = performance.now()
    this.#consecutiveFailures = 0
  }

  #refused(failure: RedisFailure): void {
    this.#answered()
    this.#refusal = { kind: failure.kind, at: Date.now() }
  }

  // ADR-0013: the hang rule. The rolling percentage alone lets successes from before a fault
  // dilute it; a call that timed out while nothing else got an answer, or a run of counted
  // failures, means the server is gone now, whatever came before: open at once.
  #counted(failure: RedisFailure, started: number): void {
    this.#consecutiveFailures++
    const silent = failure.kind === 'timeout' && this.#lastReplyAt <= started
    if (
      this.#state === 'closed' &&
      (silent || this.#consecutiveFailures >= this.options.consecutiveFailures)
    ) {
      this.#breaker.open()
    }
  }

  close(): Promise<void> {
    return this[Symbol.asyncDispose]()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#redis.off('ready', this.#onReady)
    clearInterval(this.#rotationTimer)
    this.#breaker.shutdown() // clears opossum's reset timer and removes its listeners
    publishState({ breaker: this.name, state: 'disposed', previous: this.#state })
  }

  #shortCircuit<T>(
    operation: string,
    started: number,
    fallback: RunOptions<T>['fallback'],
    trace: RedisOperationContext | undefined,
  ): Promise<T> {
    ended(trace, started, 'short_circuit')
    return this.#unavailable(operation, 'open', undefined, undefined, fallback, trace)
  }

  async #unavailable<T>(
    operation: string,
    reason: UnavailableReason,
    error: unknown,
    failure: RedisFailure | undefined,
    fallback: RunOptions<T>['fallback'],
    trace: RedisOperationContext | undefined,
  ): Promise<T> {
    if (fallback) {
      if (trace) trace.fallback = reason
      return fallback(reason, error)
    }
    const outcome: RedisOutcome = failure?.outcome ?? 'not-applied'
    const details = {
      operation,
      reason,
      condition: failure?.kind ?? 'open',
      outcome,
      breaker: this.name,
      state: this.#state,
    }
    if (failure?.kind === 'oom') {
      throw new RedlayerError('E_REDIS_FULL', `Redis refused "${operation}": its memory is full (OOM)`, {
        cause: error,
        details,
      })
    }
    const why =
      reason === 'open'
        ? 'circuit breaker open'
        : reason === 'timeout'
          ? 'timed out, outcome unknown'
          : `${reason === 'refused' ? 'refused' : 'failed'}: ${failure?.kind}`
    throw new RedlayerError('E_REDIS_UNAVAILABLE', `Redis is unavailable (${why}) for "${operation}"`, {
      cause: error,
      details,
    })
  }

  /** One PING of the guard's own (operation `breaker.probe`), traced like a run; never rejects. */
  #ping(send: (ping: () => Promise<unknown>) => Promise<unknown>): Promise<boolean> {
    return traced(
      redlayerChannels.redisOperation,
      () => ({ operation: PROBE_OPERATION, breaker: this.name, state: this.#state }),
      (trace) => {
        const started = performance.now()
        return send(() =>
          withTimeout(() => this.#redis.ping(), this.options.commandTimeoutMs, PROBE_OPERATION),
        ).then(
          () => {
            this.#answered()
            ended(trace, started, 'ok')
            return true
          },
          (error: unknown) => {
            const kind = redisFailureOf(error)?.kind
            ended(
              trace,
              started,
              kind === undefined ? 'error' : kind === 'timeout' ? 'timeout' : 'failure',
              kind,
            )
            return false
          },
        )
      },
    )
  }

  // ADR-0013: half-open probes with a PING of its own, never with user traffic. opossum lets the
  // first call through while half-open: that call is this PING. Success closes the breaker (and
  // empties the window); a Redis failure re-opens it and restarts the reset timer.
  #probe(): void {
    void this.#ping((ping) => this.#breaker.fire(ping))
  }

  // ADR-0013: the client is ready again while the breaker is not closed: one PING now, and a
  // success closes the breaker without waiting for opossum's reset timer.
  #probeOnReady(): void {
    if (this.#state === 'closed' || this.#disposed || this.#readyProbe !== undefined) return
    this.#readyProbe = this.#ping((ping) => ping())
      .then((answered) => {
        if (answered && !this.#disposed) this.#breaker.close()
      })
      .finally(() => {
        this.#readyProbe = undefined
      })
  }

  #transition(to: BreakerState): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    if (to === 'closed') {
      for (let i = 0; i < ROLLING_BUCKETS; i++) this.#rotation.emit('rotate')
    }
    publishState({ breaker: this.name, state: to, previous: from })
    // Listeners run on the next tick: a throwing listener must not break opossum's bookkeeping
    // (it runs inside opossum's promise handlers, where a throw would become a lost rejection).
    process.nextTick(() => {
      this.emit('stateChange', { from, to } satisfies StateChange)
      this.emit(STATE_EVENT[to])
    })
  }
}

/** Records how a traced run ended (nothing to do without a subscriber). */
function ended(
  trace: RedisOperationContext | undefined,
  started: number,
  outcome: RedisOperationOutcome,
  errorKind?: RedisOperationContext['errorKind'],
): void {
  if (trace === undefined) return
  trace.outcome = outcome
  trace.durationMs = performance.now() - started
  if (errorKind !== undefined) trace.errorKind = errorKind
}

function publishState(message: Parameters<typeof redlayerChannels.breakerState.publish>[0]): void {
  if (redlayerChannels.breakerState.hasSubscribers) redlayerChannels.breakerState.publish(message)
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
