import { HeldLease, type LeaseBackend, type LeaseEvents, type LeaseStart } from './held-lease.js'
import type { LockPolicy } from './options.js'

/**
 * One of a semaphore's `limit` places, held until released or expired (its lease is counted on
 * Redis time by the semaphore's scripts and tracked on the monotonic clock here, like a lock's).
 */
export class Permit extends HeldLease {
  /** How many holders the semaphore had right after this permit was taken, this one included. */
  readonly holders: number
  readonly #policy: LockPolicy

  /** @internal Permits are made by a Semaphore. */
  constructor(
    backend: LeaseBackend,
    events: LeaseEvents,
    start: LeaseStart,
    holders: number,
    policy: LockPolicy,
  ) {
    super(backend, events, start)
    this.holders = holders
    this.#policy = policy
  }

  protected validateTtl(ttlMs: number): void {
    this.#policy.assertTtl(ttlMs)
  }
}
