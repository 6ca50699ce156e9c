import { RedlayerError } from '@redlayer/connection'
import { type Duration, parseDuration } from '@redlayer/keyspace'
import { extensionDueAt, extensionRetryMs, leaseDeadline, monotonicNow } from './lease-clock.js'
import type { LeaseReply } from './replies.js'

/** Why a lease is no longer held. */
export type NotHeldReason =
  /** Redis no longer has it: the lease expired. */
  | 'expired'
  /** Another holder has it now (it expired and was acquired again). */
  | 'taken'
  /** It could not be confirmed (Redis unreachable) before its deadline; it may have ended. */
  | 'unconfirmed'
  /** This handle released it already. */
  | 'released'

/** The outcome of `extend()`: a lease you do not hold changes nothing and says so (ADR-0030). */
export type ExtendResult =
  | { readonly extended: true; readonly validityMs: number }
  | { readonly extended: false; readonly reason: NotHeldReason }

/** The outcome of `release()`. */
export type ReleaseResult =
  | { readonly released: true }
  | { readonly released: false; readonly reason: NotHeldReason }

export type LeaseState = 'held' | 'lost' | 'released'

/** The Redis side of a lease (each call goes through the guard). */
export interface LeaseBackend {
  extend(ttlMs: number): Promise<LeaseReply>
  release(): Promise<LeaseReply>
}

/** What a lease reports to its manager (metrics, bookkeeping). */
export interface LeaseEvents {
  extension(outcome: 'extended' | 'lost' | 'error'): void
  lost(): void
  ended(heldMs: number): void
}

export interface LeaseStart {
  /** Monotonic time at which the acquiring command was sent. */
  readonly sentAt: number
  readonly ttlMs: number
  readonly autoExtend: boolean
}

/**
 * What a lock and a semaphore permit share: a lease with a deadline on the monotonic clock, an
 * AbortSignal that fires BEFORE that deadline (never after the lease could have ended), optional
 * auto-extension, compare-and-set extend and release, and `await using`.
 */
export abstract class HeldLease implements AsyncDisposable {
  readonly #backend: LeaseBackend
  readonly #events: LeaseEvents
  /**
   * Made when `signal` is first read, not per lease: most leases are released without anyone
   * reading it, and a controller plus its abort event cost more than the rest of a release.
   */
  #controller: AbortController | undefined
  readonly #autoExtend: boolean
  readonly #acquiredAt: number
  #state: LeaseState = 'held'
  #reason: NotHeldReason | undefined
  #ttlMs: number
  #confirmedSentAt = Number.NEGATIVE_INFINITY
  #deadline = Number.NEGATIVE_INFINITY
  #deadlineTimer: NodeJS.Timeout | undefined
  #extensionTimer: NodeJS.Timeout | undefined
  #releasing: Promise<ReleaseResult> | undefined

  protected constructor(backend: LeaseBackend, events: LeaseEvents, start: LeaseStart) {
    this.#backend = backend
    this.#events = events
    this.#autoExtend = start.autoExtend
    this.#ttlMs = start.ttlMs
    this.#acquiredAt = start.sentAt
    this.confirmLease(start.sentAt, start.ttlMs)
  }

  /**
   * Aborts before the lease can end: when it is lost (expired, taken, or not confirmed by its
   * deadline; reason `E_LOCK_LOST`) or released (`E_LOCK_RELEASED`). Pass it to the work done
   * under the lock.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      // Read after the lease ended: already aborted, with the reason it would have had.
      if (this.#state !== 'held') this.#controller.abort(this.#abortReason())
    }
    return this.#controller.signal
  }

  get state(): LeaseState {
    return this.#state
  }

  /** The current lease in ms (the last one set by acquire or extend). */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /** How long the lease is still certain to last, on the monotonic clock; 0 once not held. */
  get validityMs(): number {
    return this.#state === 'held' ? Math.max(0, this.#deadline - monotonicNow()) : 0
  }

  /**
   * Sets a new lease of `ttl` (ms or a string such as `'30s'`; the current TTL by default), compare-and-set on the token. A
   * lease that is no longer held is never re-acquired: `{ extended: false, reason }`.
   * Throws `E_REDIS_UNAVAILABLE` when Redis cannot be reached (the lease may still be held).
   */
  async extend(ttl: Duration = this.#ttlMs): Promise<ExtendResult> {
    const ttlMs = typeof ttl === 'number' ? ttl : parseDuration(ttl)
    this.validateTtl(ttlMs)
    if (this.#state !== 'held') return { extended: false, reason: this.#reason ?? 'released' }
    const sentAt = monotonicNow()
    let reply: LeaseReply
    try {
      reply = await this.#backend.extend(ttlMs)
    } catch (error) {
      this.#events.extension('error')
      throw error
    }
    return this.#settleExtension(sentAt, ttlMs, reply)
  }

  /**
   * Deletes the lease if it is still ours (compare-and-delete) and wakes the waiters. Calling it
   * again returns `{ released: false, reason: 'released' }`. Throws `E_REDIS_UNAVAILABLE` when
   * Redis cannot be reached; the lease then ends by itself at its TTL, and `release()` may be retried.
   */
  release(): Promise<ReleaseResult> {
    if (this.#state === 'released') return Promise.resolve({ released: false, reason: 'released' })
    this.#releasing ??= this.#release()
    return this.#releasing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }

  /** Throws `E_INVALID_OPTIONS` for a TTL the lease's owner does not accept. */
  protected abstract validateTtl(ttlMs: number): void

  /** Records a lease of `ttlMs` confirmed by a command sent at `sentAt` (monotonic). */
  protected confirmLease(sentAt: number, ttlMs: number): void {
    // Never moved by the reply to an older command; of two sent at the same instant, the reply
    // that arrives later answers the command sent later (one connection keeps the order).
    if (this.#state !== 'held' || sentAt < this.#confirmedSentAt) return
    this.#confirmedSentAt = sentAt
    this.#ttlMs = ttlMs
    this.#deadline = leaseDeadline(sentAt, ttlMs)
    const left = this.#deadline - monotonicNow()
    if (left <= 0) {
      this.#lose('unconfirmed')
      return
    }
    clearTimeout(this.#deadlineTimer)
    this.#deadlineTimer = setTimeout(() => this.#lose('unconfirmed'), left)
    this.#deadlineTimer.unref()
    if (this.#autoExtend && this.#releasing === undefined)
      this.#scheduleExtension(extensionDueAt(sentAt, ttlMs))
  }

  /** Records the reply of an extension-like command (extend, or the confirmation before WAIT). */
  protected settleLeaseReply(sentAt: number, ttlMs: number, reply: LeaseReply): ExtendResult {
    return this.#settleExtension(sentAt, ttlMs, reply)
  }

  /** Why the lease is not held (meaningful once `state` is not `held`). */
  protected get notHeldReason(): NotHeldReason {
    return this.#reason ?? 'released'
  }

  #settleExtension(sentAt: number, ttlMs: number, reply: LeaseReply): ExtendResult {
    if (reply !== 'ok') {
      if (this.#state === 'held') this.#events.extension('lost')
      this.#lose(reply)
      return { extended: false, reason: this.#reason ?? reply }
    }
    // Lost at its deadline while this extension was in flight: it stays lost (the signal has fired).
    if (this.#state !== 'held') return { extended: false, reason: this.#reason ?? 'released' }
    this.#events.extension('extended')
    this.confirmLease(sentAt, ttlMs)
    return this.#state === 'held'
      ? { extended: true, validityMs: this.validityMs }
      : { extended: false, reason: this.#reason ?? 'unconfirmed' }
  }

  #scheduleExtension(at: number): void {
    clearTimeout(this.#extensionTimer)
    this.#extensionTimer = setTimeout(() => void this.#autoExtendNow(), Math.max(0, at - monotonicNow()))
    this.#extensionTimer.unref()
  }

  // Never rejects: a failed auto-extension is retried until the deadline, when the signal fires
  // (redis-semaphore#9, #24, #199 surfaced it as an unhandled rejection).
  async #autoExtendNow(): Promise<void> {
    if (this.#state !== 'held' || this.#releasing !== undefined) return
    const ttlMs = this.#ttlMs
    const sentAt = monotonicNow()
    try {
      this.#settleExtension(sentAt, ttlMs, await this.#backend.extend(ttlMs))
    } catch {
      this.#events.extension('error')
      if (this.#state === 'held' && this.#releasing === undefined) {
        this.#scheduleExtension(monotonicNow() + extensionRetryMs(ttlMs))
      }
    }
  }

  async #release(): Promise<ReleaseResult> {
    clearTimeout(this.#extensionTimer)
    let reply: LeaseReply
    try {
      reply = await this.#backend.release()
    } catch (error) {
      this.#releasing = undefined
      throw error
    }
    if (reply !== 'ok') this.#lose(reply)
    this.#end('released')
    return reply === 'ok' ? { released: true } : { released: false, reason: reply }
  }

  #lose(reason: Exclude<NotHeldReason, 'released'>): void {
    if (this.#state !== 'held') return
    this.#reason = reason
    this.#events.lost()
    this.#end('lost')
  }

  #end(state: 'lost' | 'released'): void {
    clearTimeout(this.#deadlineTimer)
    clearTimeout(this.#extensionTimer)
    const wasHeld = this.#state === 'held'
    this.#state = state
    this.#reason ??= state === 'released' ? 'released' : undefined
    if (wasHeld) this.#events.ended(monotonicNow() - this.#acquiredAt)
    // The reason (an error with its stack trace) is built only for a signal someone holds.
    if (this.#controller !== undefined && !this.#controller.signal.aborted) {
      this.#controller.abort(this.#abortReason())
    }
  }

  /**
   * `E_LOCK_LOST` (with why) when the lease was lost, even if released afterwards (the first way
   * it ended is the one the signal reports), else `E_LOCK_RELEASED`.
   */
  #abortReason(): RedlayerError<'E_LOCK_LOST' | 'E_LOCK_RELEASED'> {
    const reason = this.#reason
    if (reason !== undefined && reason !== 'released') {
      return new RedlayerError('E_LOCK_LOST', `the lease ended before it was released (${reason})`, {
        details: { reason },
      })
    }
    return new RedlayerError('E_LOCK_RELEASED', 'the lock was released')
  }
}
