import { randomToken } from '@redlayer/connection/internal'
import { type Grant, leaseEvents, runAcquisition } from './acquisition.js'
import type { LockContext } from './context.js'
import { lockTimeoutError } from './errors.js'
import type { LeaseBackend } from './held-lease.js'
import { monotonicNow } from './lease-clock.js'
import type { AcquireOptions, ResolvedAcquireOptions } from './options.js'
import { Permit } from './permit.js'
import { fairWaiting } from './queue.js'
import type { QueueKeys, SemaphoreKeys } from './resource-keys.js'
import { acquirePermit } from './semaphore/acquire.js'
import { refreshPermit } from './semaphore/refresh.js'
import { releasePermit } from './semaphore/release.js'
import { runHolding } from './with-lease.js'

/**
 * A counting semaphore: at most `limit` holders at once, each with an expiring lease counted on
 * Redis time (a sorted set scored by expiry), so a crashed holder frees its place by itself.
 * Callers that share a resource must agree on its limit. Permits carry no fence.
 */
export class Semaphore {
  readonly limit: number
  readonly #context: LockContext
  readonly #keys: SemaphoreKeys & { readonly queue: QueueKeys }
  readonly #defaults: ResolvedAcquireOptions

  /** @internal Made by `LockManager.semaphore()`. */
  constructor(
    context: LockContext,
    keys: SemaphoreKeys & { readonly queue: QueueKeys },
    defaults: ResolvedAcquireOptions & { limit: number },
  ) {
    this.#context = context
    this.#keys = keys
    this.limit = defaults.limit
    this.#defaults = defaults
  }

  /** Takes a permit, waiting up to `waitMs`; `E_LOCK_TIMEOUT` when all places stay taken. */
  async acquire(options?: AcquireOptions): Promise<Permit> {
    const { permit, waitMs, attempts } = await this.#acquire(options, {})
    if (permit === undefined) throw lockTimeoutError(waitMs, attempts)
    return permit
  }

  /** Takes a permit if one is free (or frees up within `waitMs`, 0 by default), else `null`. */
  async tryAcquire(options?: AcquireOptions): Promise<Permit | null> {
    return (await this.#acquire(options, { waitMs: 0 })).permit ?? null
  }

  /** Runs `fn` holding a permit (auto-extended by default), then returns it. */
  async withPermit<T>(fn: (permit: Permit) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    return runHolding(await this.acquire({ autoExtend: true, ...options }), fn)
  }

  async #acquire(options: AcquireOptions | undefined, overrides: { waitMs?: number }) {
    const context = this.#context
    const resolved = context.policy.resolve(
      {
        ttl: this.#defaults.ttlMs,
        autoExtend: this.#defaults.autoExtend,
        fair: this.#defaults.fair,
        ...options,
      },
      { waitMs: overrides.waitMs ?? this.#defaults.waitMs },
    )
    const keys = this.#keys
    const token = randomToken()
    const release = () =>
      context.guard.run('semaphore.release', () => releasePermit(context.redis, keys, token))
    // Issue 19: as for a fair lock; the give-back is not through the guard either (see LockManager).
    const { fair, giveBack, leave } = fairWaiting(
      context,
      resolved,
      () => keys.queue,
      token,
      keys.channel,
      () => releasePermit(context.redis, keys, token),
    )
    const { grant, attempts } = await runAcquisition<Grant & { holders: number }>(context, {
      options: resolved,
      channels: [keys.channel],
      attempt: async (signal) => {
        const sentAt = monotonicNow()
        const reply = await context.guard.run(
          'semaphore.acquire',
          () => acquirePermit(context.redis, keys, token, this.limit, resolved.ttlMs, fair),
          { signal },
        )
        return reply.acquired
          ? { grant: { sentAt, holders: reply.holders } }
          : { retryAfterMs: reply.retryAfterMs }
      },
      giveBack,
      leave,
    })
    if (grant === undefined) return { permit: undefined, waitMs: resolved.waitMs, attempts }
    const backend: LeaseBackend = {
      extend: (ttlMs) =>
        context.guard.run('semaphore.refresh', () => refreshPermit(context.redis, keys, token, ttlMs)),
      release,
    }
    let permit: Permit | undefined
    const events = leaseEvents(context, () => permit)
    permit = new Permit(
      backend,
      events,
      { sentAt: grant.sentAt, ttlMs: resolved.ttlMs, autoExtend: resolved.autoExtend },
      grant.holders,
      context.policy,
    )
    context.live.add(permit)
    return { permit, waitMs: resolved.waitMs, attempts }
  }
}
