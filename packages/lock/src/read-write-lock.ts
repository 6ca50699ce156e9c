import { randomToken } from '@redlayer/connection/internal'
import { type Grant, leaseEvents, runAcquisition } from './acquisition.js'
import type { LockContext } from './context.js'
import { lockTimeoutError } from './errors.js'
import type { LeaseBackend } from './held-lease.js'
import { monotonicNow } from './lease-clock.js'
import { Lock } from './lock.js'
import { extendMutex } from './mutex/extend.js'
import { releaseMutex } from './mutex/release.js'
import type { AcquireOptions } from './options.js'
import { Permit } from './permit.js'
import { acquireRead, acquireWrite, clearIntent } from './read-write/scripts.js'
import type { LockResource, ReadWriteKeys, ResourceKeys } from './resource-keys.js'
import { refreshPermit } from './semaphore/refresh.js'
import { releasePermit } from './semaphore/release.js'
import { runHolding } from './with-lease.js'

/**
 * Issue 19: a read-write lock on one resource (ADR-0030, "Read-write locks"): any number of
 * readers, or one writer. A writer's lease is a `Lock` with a fence (pass it to what it writes);
 * a reader's is a `Permit`. A writer that waits keeps new readers out, so readers cannot starve
 * it; every lease expires by itself on Redis time, so a crashed holder frees its place.
 */
export class ReadWriteLock {
  readonly resource: LockResource
  readonly #context: LockContext
  readonly #keys: ReadWriteKeys
  /** The writer's keys in the shape of a mutex's: its extend and release are a mutex's. */
  readonly #writer: ResourceKeys

  /** @internal Made by `LockManager.readWrite()`. */
  constructor(context: LockContext, resource: LockResource, keys: ReadWriteKeys) {
    this.#context = context
    this.resource = resource
    this.#keys = keys
    this.#writer = { lock: keys.writer, fence: keys.fence, channel: keys.channel }
  }

  /** A read lease, waiting up to `wait` while a writer holds or waits; `E_LOCK_TIMEOUT` after it. */
  async read(options?: AcquireOptions): Promise<Permit> {
    const { lease, waitMs, attempts } = await this.#read(options, {})
    if (lease === undefined) throw lockTimeoutError(waitMs, attempts)
    return lease
  }

  /** A read lease if one is free now (or within `wait`, 0 by default), else `null`. */
  async tryRead(options?: AcquireOptions): Promise<Permit | null> {
    return (await this.#read(options, { waitMs: 0 })).lease ?? null
  }

  /** The write lease, waiting up to `wait` for readers and a writer to leave; `E_LOCK_TIMEOUT` after it. */
  async write(options?: AcquireOptions): Promise<Lock> {
    const { lease, waitMs, attempts } = await this.#write(options, {})
    if (lease === undefined) throw lockTimeoutError(waitMs, attempts)
    return lease
  }

  /** The write lease if it is free now (or within `wait`, 0 by default), else `null`. */
  async tryWrite(options?: AcquireOptions): Promise<Lock | null> {
    return (await this.#write(options, { waitMs: 0 })).lease ?? null
  }

  /** Runs `fn` holding a read lease (auto-extended by default), then releases it. */
  async withRead<T>(fn: (lease: Permit) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    return runHolding(await this.read({ autoExtend: true, ...options }), fn)
  }

  /** Runs `fn` holding the write lease (auto-extended by default): pass `lock.fence` to what it writes. */
  async withWrite<T>(fn: (lock: Lock) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    return runHolding(await this.write({ autoExtend: true, ...options }), fn)
  }

  async #read(options: AcquireOptions | undefined, overrides: { waitMs?: number }) {
    const context = this.#context
    const resolved = context.policy.resolve(options, overrides)
    const keys = this.#keys
    const readers = { holders: keys.readers, channel: keys.channel }
    const token = randomToken()
    const { grant, attempts } = await runAcquisition<Grant & { readers: number }>(context, {
      options: resolved,
      channels: [keys.channel],
      attempt: async (signal) => {
        const sentAt = monotonicNow()
        const reply = await context.guard.run(
          'lock.read',
          () => acquireRead(context.redis, keys, token, resolved.ttlMs),
          { signal },
        )
        return reply.acquired
          ? { grant: { sentAt, readers: reply.readers } }
          : { retryAfterMs: reply.retryAfterMs }
      },
      // Not through the guard, like a lock's give-back (see LockManager).
      giveBack: () => releasePermit(context.redis, readers, token),
    })
    if (grant === undefined) return { lease: undefined, waitMs: resolved.waitMs, attempts }
    const backend: LeaseBackend = {
      extend: (ttlMs) =>
        context.guard.run('lock.read.refresh', () => refreshPermit(context.redis, readers, token, ttlMs)),
      release: () =>
        context.guard.run('lock.read.release', () => releasePermit(context.redis, readers, token)),
    }
    let lease: Permit | undefined
    const events = leaseEvents(context, () => lease)
    const start = { sentAt: grant.sentAt, ttlMs: resolved.ttlMs, autoExtend: resolved.autoExtend }
    lease = new Permit(backend, events, start, grant.readers, context.policy)
    context.live.add(lease)
    return { lease, waitMs: resolved.waitMs, attempts }
  }

  async #write(options: AcquireOptions | undefined, overrides: { waitMs?: number }) {
    const context = this.#context
    const resolved = context.policy.resolve(options, overrides)
    const keys = this.#keys
    const writer = [this.#writer]
    const token = randomToken()
    // A writer that will wait announces it for as long as a fair waiter keeps its place.
    const intentMs = resolved.waitMs > 0 ? context.policy.queueLivenessMs : 0
    const withdraw = () => clearIntent(context.redis, keys, token)
    const { grant, attempts } = await runAcquisition<Grant & { fence: bigint }>(context, {
      options: resolved,
      channels: [keys.channel],
      attempt: async (signal) => {
        const sentAt = monotonicNow()
        const reply = await context.guard.run(
          'lock.write',
          () => acquireWrite(context.redis, keys, token, resolved.ttlMs, intentMs),
          { signal },
        )
        return reply.acquired
          ? { grant: { sentAt, fence: reply.fence } }
          : { retryAfterMs: reply.retryAfterMs }
      },
      // Not through the guard (see LockManager); the intent goes too, so readers are not held back.
      giveBack: () => Promise.all([releaseMutex(context.redis, writer, token), withdraw()]),
      leave: intentMs > 0 ? withdraw : undefined,
    })
    if (grant === undefined) return { lease: undefined, waitMs: resolved.waitMs, attempts }
    const backend: LeaseBackend = {
      extend: (ttlMs) =>
        context.guard.run('lock.extend', () => extendMutex(context.redis, writer, token, ttlMs)),
      release: () =>
        context.guard.runShared('lock.release', (shared) =>
          releaseMutex(context.redis, writer, token, shared),
        ),
    }
    let lease: Lock | undefined
    lease = new Lock({
      context,
      resources: [this.resource],
      keys: writer,
      token,
      fences: [grant.fence],
      backend,
      events: leaseEvents(context, () => lease),
      start: { sentAt: grant.sentAt, ttlMs: resolved.ttlMs, autoExtend: resolved.autoExtend },
    })
    context.live.add(lease)
    return { lease, waitMs: resolved.waitMs, attempts }
  }
}
