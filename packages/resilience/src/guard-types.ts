import type { BreakerState, UnavailableReason } from '@redlayer/connection/diagnostics'
import type { SharedRun } from '@redlayer/connection/internal'
import type { ResolvedRedisGuardOptions } from './guard-options.js'
import type { RedisFailure } from './redis-failure.js'

/**
 * Why a call did not get a Redis result (`UnavailableReason`): the breaker was open, the call
 * timed out, it failed (connection, a server not serving), or the server refused it (OOM,
 * MISCONF, NOREPLICAS, TRYAGAIN: ADR-0013, the breaker stays closed).
 */
export type { BreakerState, SharedRun, UnavailableReason }

/** A refusal the guard saw lately (ADR-0013): the server answers but refuses some commands. */
export interface RedisRefusal {
  readonly kind: RedisFailure['kind']
  /** When it was last seen (`Date.now()`). */
  readonly at: number
}

export interface StateChange {
  readonly from: BreakerState
  readonly to: BreakerState
}

export interface RunOptions<T> {
  /**
   * Called instead of throwing `E_REDIS_UNAVAILABLE` (or `E_REDIS_FULL`) when Redis is unavailable
   * or refuses the call; its value (or its error) is what `run` returns. `error` is the Redis
   * failure, absent when the breaker was open (`redisFailureOf(error).outcome` says whether the
   * command may still be applied).
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
  /** Disposes it (the same as `[Symbol.asyncDispose]`): its timers stop, `run` then throws `E_GUARD_DISPOSED`. */
  close(): Promise<void>
  readonly options: Readonly<Omit<ResolvedRedisGuardOptions, 'redis'>>
  /**
   * The last refusal (OOM, MISCONF, NOREPLICAS, TRYAGAIN) when it is less than one rolling window
   * old: Redis answers, the breaker is closed, but it refuses writes. `undefined` otherwise.
   */
  readonly refusal: RedisRefusal | undefined
  /**
   * Runs one Redis operation through the breaker. `operation` is a bounded label such as
   * `cache.get` (never a key). A Redis failure inside `fn` (counted toward the breaker when its
   * condition says so, ADR-0013) yields the fallback or `E_REDIS_UNAVAILABLE` (`E_REDIS_FULL` for
   * OOM), whose `details` say the
   * condition and whether the command may still be applied (`outcome`); any other error is
   * rethrown unchanged and not counted.
   * While the breaker is open or half-open, `fn` is not called.
   */
  run<T>(operation: string, fn: () => Promise<T>, options?: RunOptions<T>): Promise<T>
  /**
   * `run` for a call that is one of a tick's batched script calls (`batchedScript` of
   * `@redlayer/connection/internal`, ADR-0013 "Shared runs"): `fn` passes `shared` to the batched
   * call, and the calls of a tick that leave in one script call are one guarded run of
   * `operation` (one breaker call, one backstop, one trace) instead of one each. Each call keeps
   * what `run` gives it: its result or its own error, its own `fallback` (called with the shared
   * run's reason and error) and its own `signal`. While the breaker is not closed, or with a
   * `timeoutMs` of its own, it is `run` exactly.
   */
  runShared<T>(operation: string, fn: (shared: SharedRun) => Promise<T>, options?: RunOptions<T>): Promise<T>
  on(event: 'stateChange', listener: (change: StateChange) => void): this
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
  once(event: 'stateChange', listener: (change: StateChange) => void): this
  once(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
  off(event: 'stateChange', listener: (change: StateChange) => void): this
  off(event: 'open' | 'halfOpen' | 'close', listener: () => void): this
}
