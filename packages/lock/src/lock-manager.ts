import { setMaxListeners } from 'node:events'
import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { redlayerChannels } from '@redlayer/connection/diagnostics'
import { LuaScript, randomToken } from '@redlayer/connection/internal'
import type { Keyspace } from '@redlayer/keyspace'
import { type RedisGuard, redisFailureKind, sharedRedisGuard } from '@redlayer/resilience'
import { type Grant, leaseEvents, runAcquisition } from './acquisition.js'
import type { LockContext } from './context.js'
import { lockClosedError, lockTimeoutError } from './errors.js'
import type { HeldLease, LeaseBackend } from './held-lease.js'
import { monotonicNow } from './lease-clock.js'
import { Lock } from './lock.js'
import { acquireMutex } from './mutex/acquire.js'
import { extendMutex } from './mutex/extend.js'
import { releaseMutex } from './mutex/release.js'
import { type AcquireOptions, type LockDefaults, LockPolicy, type SemaphoreOptions } from './options.js'
import { fairWaiting } from './queue.js'
import { ReadWriteLock } from './read-write-lock.js'
import { ReleaseWakeups } from './release-wakeups.js'
import {
  assertOneSlot,
  type LockResource,
  mutexKeys,
  queueKeys,
  type ResourceKeys,
  readWriteKeys,
  semaphoreKeys,
} from './resource-keys.js'
import { Semaphore } from './semaphore.js'
import { runHolding } from './with-lease.js'

export interface LockManagerOptions<N extends string> extends LockDefaults {
  /** The shared client (`createRedis()`); the manager duplicates it only for its pub/sub subscriber. */
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The namespace of every key (flushClass `forbidden`, whenRedisDown `fail-closed`). */
  namespace: N
  /** The process's Redis guard (ADR-0013); one is created for `redis` when omitted. */
  guard?: RedisGuard
}

/**
 * Distributed locks with fencing tokens, and counting semaphores, in one keyspace namespace
 * (ADR-0030). Create it with `createLockManager`; close it (or `await using`) at shutdown.
 */
export class LockManager<N extends string = string> implements AsyncDisposable {
  readonly #context: LockContext
  readonly #closing = new AbortController()
  /** The guard this manager created (none was given), disposed with it. */

  constructor(options: LockManagerOptions<N>) {
    const { redis, keyspace, namespace, guard, ...defaults } = options
    if (redis === undefined || keyspace === undefined || namespace === undefined) {
      throw new RedlayerError('E_INVALID_OPTIONS', 'createLockManager needs redis, keyspace and namespace', {
        details: { problems: ['redis, keyspace and namespace are required'] },
      })
    }
    const policy = new LockPolicy(defaults, keyspace as Keyspace<string>, namespace)
    void LuaScript.prepare(redis) // ahead of the first command (see LuaScript)
    const effectiveGuard = guard ?? sharedRedisGuard(redis)
    // Every pending acquisition listens on this signal until it settles (its guarded command
    // too): 64 at once are normal, not a leak, so Node's 10-listener warning does not apply.
    setMaxListeners(0, this.#closing.signal)
    this.#context = {
      redis,
      guard: effectiveGuard,
      keyspace: keyspace as Keyspace<string>,
      namespace,
      policy,
      wakeups: new ReleaseWakeups(redis, (error) =>
        // The subscriber only speeds up the hand-off: its failures cost a backoff step, and are published.
        redlayerChannels.redisError.publish({
          operation: 'lock.subscribe',
          kind: redisFailureKind(error) ?? 'other',
        }),
      ),
      closing: this.#closing.signal,
      live: new Set<HeldLease>(),
    }
  }

  /** The namespace this manager locks in. */
  get namespace(): N {
    return this.#context.namespace as N
  }

  /**
   * Acquires the lock on `resource`, waiting up to `waitMs` while another holder has it.
   * Throws `E_LOCK_TIMEOUT` (contended), `E_LOCK_ABORTED` (your signal), `E_REDIS_UNAVAILABLE`
   * (at once: a lock is never granted without Redis) or `E_INVALID_OPTIONS`.
   */
  async acquire(resource: LockResource, options?: AcquireOptions): Promise<Lock> {
    return this.acquireMany([resource], options)
  }

  /** Acquires the lock if it is free (or frees up within `waitMs`, 0 by default), else `null`. */
  async tryAcquire(resource: LockResource, options?: AcquireOptions): Promise<Lock | null> {
    return this.tryAcquireMany([resource], options)
  }

  /**
   * Acquires the locks on every resource at once, or none (one script over keys of one slot).
   * The resources must share a Cluster slot: name them `[group, name]` with one group, else
   * `E_CROSS_SLOT` (on every topology, so the code keeps working when moved to Cluster).
   */
  async acquireMany(resources: readonly LockResource[], options?: AcquireOptions): Promise<Lock> {
    const { lock, waitMs, attempts } = await this.#acquire(resources, options, {})
    if (lock === undefined) throw lockTimeoutError(waitMs, attempts)
    return lock
  }

  /** `acquireMany`, returning `null` instead of waiting past `waitMs` (0 by default). */
  async tryAcquireMany(resources: readonly LockResource[], options?: AcquireOptions): Promise<Lock | null> {
    return (await this.#acquire(resources, options, { waitMs: 0 })).lock ?? null
  }

  /**
   * Runs `fn` under the lock on `resource`, auto-extended by default, then releases it. `fn`
   * gets the lock: honour `lock.signal`, and pass `lock.fence` to the resource you write. Throws
   * `E_LOCK_LOST` when `fn` returned but the lease had ended before it did.
   */
  async withLock<T>(
    resource: LockResource,
    fn: (lock: Lock) => Promise<T> | T,
    options?: AcquireOptions,
  ): Promise<T> {
    return this.withLocks([resource], fn, options)
  }

  /** `withLock` over several resources of one slot, all or nothing (see `acquireMany`). */
  async withLocks<T>(
    resources: readonly LockResource[],
    fn: (lock: Lock) => Promise<T> | T,
    options?: AcquireOptions,
  ): Promise<T> {
    return runHolding(await this.acquireMany(resources, { autoExtend: true, ...options }), fn)
  }

  /** A counting semaphore on `resource` with at most `limit` holders. */
  semaphore(resource: LockResource, options: SemaphoreOptions): Semaphore {
    const { keyspace, namespace, policy } = this.#context
    return new Semaphore(
      this.#context,
      {
        ...semaphoreKeys(keyspace, namespace, resource),
        queue: queueKeys(keyspace, namespace, resource, 'semaphore'),
      },
      policy.semaphore(options),
    )
  }

  /**
   * Issue 19: a read-write lock on `resource` (many readers or one fenced writer; ADR-0030). It
   * does not take `fair`: a waiting writer keeps new readers out, and readers share.
   */
  readWrite(resource: LockResource): ReadWriteLock {
    const { keyspace, namespace } = this.#context
    return new ReadWriteLock(this.#context, resource, readWriteKeys(keyspace, namespace, resource))
  }

  /**
   * Closes the manager: pending acquisitions fail with `E_LOCK_CLOSED`, held locks and permits
   * are released (so other processes need not wait for their TTL), the subscriber is closed.
   */
  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(lockClosedError())
    const held = [...this.#context.live]
    await Promise.allSettled(held.map((lease) => lease.release()))
    this.#context.wakeups.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  async #acquire(
    resources: readonly LockResource[],
    options: AcquireOptions | undefined,
    overrides: { waitMs?: number },
  ) {
    const context = this.#context
    const resolved = context.policy.resolve(options, overrides)
    if (resources.length === 0) {
      throw new RedlayerError('E_INVALID_RESOURCE', 'a lock needs at least one resource')
    }
    const keys = resources.map((resource) => mutexKeys(context.keyspace, context.namespace, resource))
    // One resource's keys come from one key family: one slot, no duplicate; nothing to check.
    if (keys.length > 1) {
      if (new Set(keys.map((k) => k.lock)).size !== keys.length) {
        throw new RedlayerError('E_INVALID_RESOURCE', 'a resource appears twice in one multi-lock')
      }
      assertOneSlot(keys)
      if (resolved.fair) {
        throw new RedlayerError('E_INVALID_OPTIONS', 'fair waiting is for one resource, not a multi-lock', {
          details: { problems: ['fair: one resource only'] },
        })
      }
    }
    // ADR-0030: 128 random bits, so no other holder can ever present the same token.
    const token = randomToken()
    const release = () =>
      context.guard.runShared('lock.release', (shared) => releaseMutex(context.redis, keys, token, shared))
    // Issue 19: a fair caller waits in the resource's queue.
    const { fair, giveBack, leave } = fairWaiting(
      context,
      resolved,
      () => queueKeys(context.keyspace, context.namespace, resources[0] as LockResource, 'lock'),
      token,
      (keys[0] as ResourceKeys).channel,
      // ADR-0013: not through the guard: it must follow a timed-out attempt on its socket even
      // once the breaker has opened, and nobody waits for it (failures change nothing).
      () => releaseMutex(context.redis, keys, token),
    )
    const { grant, attempts } = await runAcquisition<Grant & { fences: readonly bigint[] }>(context, {
      options: resolved,
      channels: keys.map((k) => k.channel),
      attempt: async (signal) => {
        // ADR-0030: the lease is measured from before the request was sent.
        const sentAt = monotonicNow()
        const reply = await context.guard.runShared(
          'lock.acquire',
          (shared) => acquireMutex(context.redis, keys, token, resolved.ttlMs, fair, shared),
          { signal },
        )
        return reply.acquired
          ? { grant: { sentAt, fences: reply.fences } }
          : { retryAfterMs: reply.retryAfterMs }
      },
      giveBack,
      leave,
    })
    if (grant === undefined) return { lock: undefined, waitMs: resolved.waitMs, attempts }
    const backend: LeaseBackend = {
      extend: (ttlMs) =>
        context.guard.run('lock.extend', () => extendMutex(context.redis, keys, token, ttlMs)),
      release,
    }
    let lock: Lock | undefined
    lock = new Lock({
      context,
      resources: [...resources],
      keys,
      token,
      fences: grant.fences,
      backend,
      events: leaseEvents(context, () => lock),
      start: { sentAt: grant.sentAt, ttlMs: resolved.ttlMs, autoExtend: resolved.autoExtend },
    })
    context.live.add(lock)
    return { lock, waitMs: resolved.waitMs, attempts }
  }
}

/** Creates a lock manager (see `LockManager`). */
export function createLockManager<N extends string>(options: LockManagerOptions<N>): LockManager<N> {
  return new LockManager(options)
}
