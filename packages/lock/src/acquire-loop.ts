import { type BackoffPolicy, fullJitterDelay } from './backoff.js'
import { lockAbortedError } from './errors.js'
import { monotonicNow } from './lease-clock.js'
import type { ReleaseWakeups, ReleaseWatch } from './release-wakeups.js'

/** One attempt's outcome: the thing acquired, or a hint of how long the current holder may keep it. */
export type Attempt<T> =
  | { readonly acquired: T; readonly retryAfterMs?: undefined }
  | { readonly acquired?: undefined; readonly retryAfterMs?: number }

export interface AcquireLoopOptions {
  readonly waitMs: number
  readonly signal: AbortSignal
  readonly backoff: BackoffPolicy
  readonly wakeups: Pick<ReleaseWakeups, 'watch'>
  readonly channels: readonly string[]
  /**
   * Gives back whatever an attempt acquired or may still acquire (a compare-and-delete on the
   * token), once the caller stopped waiting or the attempt failed. Sent on the same connection as
   * the attempt, it runs after it, so a grant nobody waits for is deleted instead of blocking
   * others for a TTL.
   */
  readonly abandon: () => Promise<unknown>
}

export interface AcquireLoopResult<T> {
  /** What was acquired, or `undefined` when `waitMs` passed first. */
  readonly acquired: T | undefined
  readonly attempts: number
}

/**
 * Retries `attempt` (which gets the signal, to stop waiting for Redis too) until it acquires,
 * `waitMs` passes (result without `acquired`) or `signal` aborts (`E_LOCK_ABORTED`). Between
 * attempts it sleeps a full-jitter backoff step, cut short by a release published on one of
 * `channels`, by the moment the subscription is in place (a release published before it would be
 * missed) and by the holder's remaining lease (ADR-0030).
 * Redis errors propagate at once: a lock is never waited for through an outage (fail closed).
 */
export async function acquireLoop<T>(
  attempt: (signal: AbortSignal) => Promise<Attempt<T>>,
  options: AcquireLoopOptions,
): Promise<AcquireLoopResult<T>> {
  const { signal, backoff } = options
  const deadline = monotonicNow() + options.waitMs
  const wake = new WakeSignal()
  let watch: ReleaseWatch | undefined
  let attempts = 0
  try {
    for (;;) {
      if (signal.aborted) throw lockAbortedError(signal)
      wake.clear()
      let outcome: Attempt<T>
      try {
        outcome = await attempt(signal)
      } catch (error) {
        // A command that timed out or was abandoned may still run when Redis answers again:
        // give its grant back at once rather than leave a lock nobody holds for a whole TTL.
        options.abandon().catch(() => undefined)
        throw signal.aborted ? lockAbortedError(signal) : error
      }
      attempts += 1
      if (outcome.acquired !== undefined) {
        if (signal.aborted) {
          await options.abandon().catch(() => undefined)
          throw lockAbortedError(signal)
        }
        return { acquired: outcome.acquired, attempts }
      }
      const left = deadline - monotonicNow()
      if (left <= 0) return { acquired: undefined, attempts }
      if (watch === undefined) {
        watch = options.wakeups.watch(options.channels, () => wake.fire())
        watch.ready.then(() => wake.fire())
      }
      const hint = outcome.retryAfterMs === undefined ? Number.POSITIVE_INFINITY : outcome.retryAfterMs + 1
      await wake.wait(Math.min(left, hint, fullJitterDelay(attempts - 1, backoff)), signal)
    }
  } finally {
    watch?.[Symbol.dispose]()
  }
}

/** A one-shot wake-up that remembers a fire that came before anyone waited. */
class WakeSignal {
  #fired = false
  #resolve: (() => void) | undefined

  clear(): void {
    this.#fired = false
  }

  fire(): void {
    this.#fired = true
    this.#resolve?.()
  }

  /** Resolves after `delayMs`, on `fire()`, at once when fired already, or on abort (the loop checks it). */
  wait(delayMs: number, signal: AbortSignal): Promise<void> {
    if (this.#fired || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.#resolve = undefined
        resolve()
      }
      const timer = setTimeout(done, delayMs)
      timer.unref()
      signal.addEventListener('abort', done, { once: true })
      this.#resolve = done
    })
  }
}
