import { type SharedRun, settleWithin } from '@redlayer/connection/internal'
import type { RunOptions, UnavailableReason } from './guard-types.js'
import { isRedisUnavailableError, redisFailureOf } from './redis-failure.js'

/** A shared run's failure on its way to each rider's own fallback; never leaves `ride`. */
class SharedUnavailable {
  constructor(
    readonly reason: UnavailableReason,
    readonly error: unknown,
  ) {}
}

/** The shared run's fallback, for riders that have their own: hand the failure to each of them. */
const TO_RIDERS: RunOptions<never> = {
  fallback: (reason, error) => {
    throw new SharedUnavailable(reason, error)
  },
}

/** Sends at once: the calls of a run of their own (`run`) need no other guarding. */
export const SEND_NOW: SharedRun = (send) => send()

/** Shared runs kept per operation label; labels are code, this bounds a caller that makes them up. */
const MAX_KEPT = 256

type Run = <T>(operation: string, send: () => Promise<T>, options?: RunOptions<T>) => Promise<T>

/**
 * ADR-0013, "Shared runs" (issue 18): the calls of one tick that share one batched script call
 * share its one guarded run (breaker, timeout, trace) instead of one each. Each call ("rider")
 * keeps its own fallback, which gets the run's reason and error, and its own signal, which stops
 * its wait only; a reply error fails its own call only (`batchedScript`), and one that is a Redis
 * failure (OOM, READONLY, ...) becomes what `run` makes of it: the call's fallback or its typed error.
 */
export class SharedRuns {
  readonly #run: Run
  readonly #plain = new Map<string, SharedRun>()
  readonly #degrading = new Map<string, SharedRun>()

  constructor(run: Run) {
    this.#run = run
  }

  ride<T>(operation: string, fn: (shared: SharedRun) => Promise<T>, options: RunOptions<T>): Promise<T> {
    const { fallback, signal } = options
    let result: Promise<T>
    try {
      result = Promise.resolve(fn(this.#of(operation, fallback !== undefined)))
    } catch (error) {
      return Promise.reject(error)
    }
    result = result.catch((error: unknown) => {
      if (error instanceof SharedUnavailable && fallback !== undefined)
        return fallback(error.reason, error.error)
      // The shared run's own verdict (already typed), or not a Redis failure: as it is.
      if (isRedisUnavailableError(error) || redisFailureOf(error) === undefined) throw error
      // This call's own reply error, which the shared run did not see: through the guard, as `run`
      // would have taken it (counted or recorded as a refusal, then the fallback or E_REDIS_FULL/...).
      return this.#run<T>(operation, () => Promise.reject(error), fallback === undefined ? {} : { fallback })
    })
    return signal === undefined ? result : settleWithin(result, { signal })
  }

  /** The one shared run of `operation`'s calls with a fallback, or of those without. */
  #of(operation: string, withFallback: boolean): SharedRun {
    const kept = withFallback ? this.#degrading : this.#plain
    let shared = kept.get(operation)
    if (shared === undefined) {
      shared = withFallback
        ? (send) => this.#run(operation, send, TO_RIDERS)
        : (send) => this.#run(operation, send)
      if (kept.size < MAX_KEPT) kept.set(operation, shared)
    }
    return shared
  }
}
