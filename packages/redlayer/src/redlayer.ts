import { type Cache, type CacheOptions, createCache } from '@redlayer/cache'
import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { defineKeyspace, Keyspace, type KeyspaceDefinition } from '@redlayer/keyspace'
import { createLockManager, type LockManager, type LockManagerOptions } from '@redlayer/lock'
import { createRedlayerMetrics, type RedlayerMetrics } from '@redlayer/metrics'
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '@redlayer/ratelimit'
import { createRedisGuard, type RedisGuard } from '@redlayer/resilience'
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '@redlayer/session'
import type { Registry } from 'prom-client'

/** What every package shares, supplied by the entry point. */
type Shared = 'redis' | 'keyspace' | 'namespace' | 'guard'

export interface RedlayerOptions<N extends string> {
  /** The app's client (standalone, Sentinel or Cluster), yours to create and to close. */
  redis: RedisClient
  /** The keyspace, or its declaration (`defineKeyspace`'s input: namespaces by kind, ADR-0011). */
  keyspace: Keyspace<N> | KeyspaceDefinition<N>
  /** The connection's breaker (ADR-0013); one is created, shared and closed with this object when omitted. */
  guard?: RedisGuard
  /**
   * The prom-client instruments (ADR-0005: they record every redlayer package of the process);
   * created on `registry` (or a new one), and closed with this object, when omitted.
   */
  metrics?: RedlayerMetrics
  /** Where the metrics register when `metrics` is not given (your app's prom-client registry). */
  registry?: Registry
}

/**
 * One client, one keyspace, one breaker and one set of metrics, and the packages on them: each
 * `cache`, `locks` and `sessions` is made once per namespace, each `rateLimiter` once per
 * namespace and name, and closed with this object. Every package still works alone; this is
 * the short way to wire them together (issue 14).
 */
export class Redlayer<N extends string = string> implements AsyncDisposable {
  readonly redis: RedisClient
  readonly keyspace: Keyspace<N>
  readonly guard: RedisGuard
  readonly metrics: RedlayerMetrics
  readonly #ownsGuard: boolean
  readonly #ownsMetrics: boolean
  readonly #made = new Map<string, { readonly fingerprint: string; readonly value: Closable }>()
  #closed = false

  constructor(options: RedlayerOptions<N>) {
    if (typeof options !== 'object' || options === null || options.redis === undefined) {
      throw new RedlayerError('E_INVALID_OPTIONS', 'createRedlayer: `redis` (an ioredis client) is required')
    }
    this.redis = options.redis
    this.keyspace = options.keyspace instanceof Keyspace ? options.keyspace : defineKeyspace(options.keyspace)
    this.#ownsMetrics = options.metrics === undefined
    this.metrics =
      options.metrics ?? createRedlayerMetrics(options.registry ? { registry: options.registry } : {})
    this.#ownsGuard = options.guard === undefined
    this.guard = options.guard ?? createRedisGuard({ redis: this.redis })
  }

  /** The cache of a namespace (`createCache`); options are taken on the first call only. */
  cache(namespace: N, options?: Omit<CacheOptions<N>, Shared>): Cache<N> {
    return this.#once(`cache of namespace "${namespace}"`, options, () =>
      createCache({ ...options, ...this.#shared(namespace) }),
    )
  }

  /**
   * The rate limiter of a namespace and `name` (`createRateLimiter`). Asking again with other
   * options (limits, outage mode, ...) is an error: both callers would believe theirs hold.
   */
  rateLimiter(namespace: N, options: Omit<RateLimiterOptions<N>, Shared>): RateLimiter<N> {
    const what = `rate limiter "${options?.name ?? namespace}" of namespace "${namespace}"`
    return this.#once(what, undefined, () => createRateLimiter({ ...options, ...this.#shared(namespace) }), {
      fingerprint: JSON.stringify(options ?? null),
    })
  }

  /** The lock manager of a namespace (`createLockManager`); options are taken on the first call only. */
  locks(namespace: N, options?: Omit<LockManagerOptions<N>, Shared>): LockManager<N> {
    return this.#once(`lock manager of namespace "${namespace}"`, options, () =>
      createLockManager({ ...options, ...this.#shared(namespace) }),
    )
  }

  /** The session store of a namespace (`createSessionStore`); options are taken on the first call only. */
  sessions(namespace: N, options?: Omit<SessionStoreOptions<N>, Shared>): SessionStore<N> {
    return this.#once(`session store of namespace "${namespace}"`, options, () =>
      createSessionStore({ ...options, ...this.#shared(namespace) }),
    )
  }

  /** Closes everything made here, then the guard and the metrics if they were made here. Never the client. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const made = [...this.#made.values()]
    this.#made.clear()
    // Every object is closed, and the guard after them, even if one close fails; then it throws.
    const closed = await Promise.allSettled(made.map(({ value }) => value.close()))
    if (this.#ownsGuard) await this.guard.close()
    if (this.#ownsMetrics) this.metrics.close()
    const failed = closed.find((result) => result.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #shared(namespace: N) {
    return { redis: this.redis, keyspace: this.keyspace, namespace, guard: this.guard }
  }

  /**
   * The object named `what`, made on first use. Later calls get the same one; options on a
   * later call are refused (they would be silently ignored), and so is a different fingerprint.
   */
  #once<T extends Closable>(
    what: string,
    options: object | undefined,
    make: () => T,
    { fingerprint = '' }: { fingerprint?: string } = {},
  ): T {
    if (this.#closed) throw new RedlayerError('E_REDLAYER_CLOSED', 'this redlayer object was closed')
    const existing = this.#made.get(what)
    if (existing === undefined) {
      const value = make()
      this.#made.set(what, { fingerprint, value })
      return value
    }
    if (options !== undefined || existing.fingerprint !== fingerprint) {
      throw new RedlayerError(
        'E_INVALID_OPTIONS',
        `the ${what} already exists with its own options: pass them on the first call only`,
      )
    }
    return existing.value as T
  }
}

interface Closable {
  close(): Promise<void>
}

/** `new Redlayer(options)`: the entry point that hands out every package on one client. */
export function createRedlayer<const N extends string>(options: RedlayerOptions<N>): Redlayer<N> {
  return new Redlayer(options)
}
