import { RedlayerError } from '@redlayer/connection'
import { parseOrThrow } from '@redlayer/connection/internal'
import { z } from 'zod'
import type { LockContext } from './context.js'
import {
  HeldLease,
  type LeaseBackend,
  type LeaseEvents,
  type LeaseStart,
  type NotHeldReason,
} from './held-lease.js'
import { monotonicNow } from './lease-clock.js'
import { extendMutex } from './mutex/extend.js'
import { confirmAndWait } from './replicas.js'
import type { LockResource, ResourceKeys } from './resource-keys.js'

/** The outcome of `waitForReplicas`. */
export type ReplicaWaitResult =
  | {
      readonly held: true
      /** How many replicas acknowledged the acquisition (and every earlier write to its primary). */
      readonly acknowledged: number
      readonly requested: number
    }
  | { readonly held: false; readonly reason: NotHeldReason }

const replicaWaitSchema = z.object({
  replicas: z.number().int().min(1).max(1_000),
  timeoutMs: z.number().int().min(1).max(60_000),
})

/** What a lock needs from its manager. */
export interface LockInit {
  readonly context: LockContext
  readonly resources: readonly LockResource[]
  readonly keys: readonly ResourceKeys[]
  readonly token: string
  readonly fences: readonly bigint[]
  readonly backend: LeaseBackend
  readonly events: LeaseEvents
  readonly start: LeaseStart
}

/**
 * A held mutex on one or several resources. Pass `fence` with every write to the protected
 * resource and have the resource reject a fence lower than the highest it has seen: that, not
 * the lease, is what keeps a paused or partitioned former holder from doing harm (ADR-0030).
 */
export class Lock extends HeldLease {
  /** The resources, in the order given. */
  readonly resources: readonly LockResource[]
  /** The fencing token of the (first) resource: strictly increasing per resource. */
  readonly fence: bigint
  /** The fencing token of each resource, in the order of `resources`. */
  readonly fences: readonly bigint[]
  readonly #init: LockInit

  /** @internal Locks are made by a LockManager. */
  constructor(init: LockInit) {
    super(init.backend, init.events, init.start)
    this.#init = init
    this.resources = init.resources
    this.fences = init.fences
    const [fence] = init.fences
    if (fence === undefined) throw new RedlayerError('E_LOCK_PROTOCOL', 'a lock without a fence')
    this.fence = fence
  }

  /**
   * Confirms the lease (compare-and-set, renewing it to the current TTL) on a connection of its
   * own to the lock's primary, then WAITs until `replicas` replicas have it or `timeoutMs` passes.
   * It narrows, never closes, the window in which a failover loses the lock (ADR-0030).
   */
  async waitForReplicas(replicas: number, timeoutMs: number): Promise<ReplicaWaitResult> {
    parseOrThrow(replicaWaitSchema, { replicas, timeoutMs }, 'waitForReplicas arguments', 'E_INVALID_OPTIONS')
    if (this.state !== 'held') return { held: false, reason: this.notHeldReason }
    const { context, keys, token } = this.#init
    const [first] = keys
    if (first === undefined) throw new RedlayerError('E_LOCK_PROTOCOL', 'a lock without keys')
    const ttlMs = this.ttlMs
    let sentAt = 0
    const { confirmed, acknowledged } = await confirmAndWait(
      context.guard,
      context.redis,
      first.lock,
      replicas,
      timeoutMs,
      (connection) => {
        sentAt = monotonicNow()
        return extendMutex(connection, keys, token, ttlMs)
      },
      (reply) => reply === 'ok',
    )
    const lease = this.settleLeaseReply(sentAt, ttlMs, confirmed)
    if (!lease.extended) return { held: false, reason: lease.reason }
    return { held: true, acknowledged: acknowledged ?? 0, requested: replicas }
  }

  protected validateTtl(ttlMs: number): void {
    this.#init.context.policy.assertTtl(ttlMs)
  }
}
