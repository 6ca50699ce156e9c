import type { BusMessage, CacheBus } from './bus.js'
import type { CacheEvents } from './cache-events.js'
import type { KeyWaiters } from './key-waiters.js'
import type { L1 } from './l1.js'
import { PendingInvalidations } from './pending-invalidations.js'
import { type RedisStore, UNAVAILABLE, Unconfirmed } from './redis-store.js'

export interface InvalidationLogOptions {
  readonly store: RedisStore
  readonly bus: CacheBus | undefined
  readonly l1: L1 | undefined
  readonly waiters: KeyWaiters
  readonly events: CacheEvents
  readonly channel: string
  readonly epochKey: string
  readonly tagKey: (tag: string) => string
  readonly deleteRetentionMs: number
  readonly tagRetentionMs: number
  readonly replayIntervalMs: number
  readonly maxPending: number
}

/**
 * ADR-0013 / ADR-0020: the invalidations Redis could not take yet, and the bus both ways. A change
 * is published to the other processes, or queued when Redis is unavailable; queued changes cover
 * the reads of this process and are replayed (on a timer, and when the breaker closes) until Redis
 * has them. On overflow the queue collapses into one epoch bump and L1 goes. Another process's
 * change drops this process's L1 copies and wakes the readers waiting for a lease holder.
 */
export class InvalidationLog {
  readonly pending: PendingInvalidations
  readonly #o: InvalidationLogOptions
  #timer: NodeJS.Timeout | undefined
  #replaying: Promise<void> | undefined
  #closed = false

  constructor(options: InvalidationLogOptions) {
    this.#o = options
    this.pending = new PendingInvalidations(options.maxPending)
  }

  /** Queues a clear (an epoch bump) for replay. */
  readonly queueEpoch = (): boolean => {
    this.pending.addEpoch()
    return false
  }

  /** Queues an invalidation for replay; on overflow L1 goes too (epoch bump queued). */
  queue(add: () => boolean): void {
    const overflowed = add()
    if (overflowed === true || this.pending.size > 0) {
      if (overflowed === true) this.#o.l1?.clear()
      this.#o.events.pendingInvalidations(this.pending.size)
    }
    if (this.#timer === undefined && this.pending.size > 0 && !this.#closed) {
      this.#timer = setInterval(() => void this.replay(), this.#o.replayIntervalMs)
      this.#timer.unref()
    }
  }

  /** Publishes to the other processes; when that fails, `onFailure` queues the change for replay. */
  async publish(message: BusMessage, onFailure?: () => boolean): Promise<void> {
    const { bus } = this.#o
    if (bus === undefined) return
    const sent = await this.#o.store.publish(this.#o.channel, bus.encode(message))
    if (sent === UNAVAILABLE) {
      if (onFailure) this.queue(onFailure)
    } else this.#o.events.bus('out')
  }

  /** Another process's change: its ids, tags or the whole namespace leave L1; waiters wake. */
  receive(message: BusMessage): void {
    const { l1, waiters } = this.#o
    this.#o.events.bus('in')
    switch (message.type) {
      case 'keys':
        if (!Array.isArray(message.keys)) return
        for (const key of message.keys) l1?.delete(key)
        waiters.wake(message.keys)
        return
      case 'tags':
        if (Array.isArray(message.tags)) l1?.deleteTagged(new Set(message.tags))
        return
      case 'clear':
        l1?.clear()
        waiters.wakeAll()
        return
    }
  }

  /** Applies queued invalidations once Redis answers again (breaker closed, or on the timer). */
  replay(): Promise<void> {
    if (this.#replaying === undefined) {
      this.#replaying = this.#replayOnce().finally(() => {
        this.#replaying = undefined
      })
    }
    return this.#replaying
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #replayOnce(): Promise<void> {
    if (this.pending.size === 0) return
    const { store, epochKey, deleteRetentionMs, tagRetentionMs } = this.#o
    const batch = this.pending.snapshot()
    let message: BusMessage[]
    if (batch.epoch > 0) {
      if ((await store.bumpVersions([epochKey], 0)) instanceof Unconfirmed) return
      message = [{ type: 'clear' }]
    } else {
      const ids = [...batch.ids.values()].map((item) => item.keys)
      const tags = [...batch.tags.keys()]
      if (ids.length > 0 && (await store.delete(ids, deleteRetentionMs)) instanceof Unconfirmed) return
      if (
        tags.length > 0 &&
        (await store.bumpVersions(tags.map(this.#o.tagKey), tagRetentionMs)) instanceof Unconfirmed
      ) {
        return
      }
      message = []
      if (ids.length > 0) message.push({ type: 'keys', keys: ids.map((one) => one.value) })
      if (tags.length > 0) message.push({ type: 'tags', tags })
    }
    this.pending.acknowledge(batch)
    this.#o.events.pendingInvalidations(this.pending.size)
    if (this.pending.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
    for (const one of message) await this.publish(one)
  }
}
