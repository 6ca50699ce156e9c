import { randomBytes } from 'node:crypto'
import type { DegradationMode } from '@redlayer/connection'
import { type FlushResult, flushNamespace, type Keyspace } from '@redlayer/keyspace'
import { isRedisFailure, type RedisGuard, type StateChange, sharedRedisGuard } from '@redlayer/resilience'
import { BatchFill } from './batch-fill.js'
import { CacheBus } from './bus.js'
import { CacheEvents } from './cache-events.js'
import { type CacheId, idParts, normalizeTags } from './cache-id.js'
import type { CacheEntry } from './entry-codec.js'
import { EntryWriter } from './entry-writer.js'
import { cacheError } from './errors.js'
import { type Fill, FillCoordinator } from './fill-coordinator.js'
import { InvalidationLog } from './invalidation-log.js'
import { KeyWaiters } from './key-waiters.js'
import { L1 } from './l1.js'
import { abortable } from './loader-timeout.js'
import { type CacheOptions, type ResolvedCacheOptions, resolveCacheOptions, softOf } from './options.js'
import { RedisClock } from './redis-clock.js'
import { type IdKeys, RedisStore, tagRetention, Unconfirmed } from './redis-store.js'
import { SingleFlight } from './single-flight.js'
import { TieredReader } from './tiered-reader.js'
import {
  APPLIED,
  type BatchLoader,
  type CacheStats,
  type ClearOptions,
  type ClearResult,
  type GetOptions,
  type GetOrSetOptions,
  type InvalidateOptions,
  type Loader,
  notConfirmed,
  type SetOptions,
  type WriteResult,
} from './types.js'

const MIN_DELETE_RETENTION_MS = 60_000
/** An explicit set() wins over any delete before it (entry-write.lua checks nothing). */
const ALWAYS = -1

/**
 * A read-through cache over one keyspace namespace (ADR-0020, ADR-0021, ADR-0013). Create it with
 * `createCache`; dispose it (`await using`, or `close()`) to stop its bus subscriber and timers.
 */
export class Cache<N extends string = string> implements AsyncDisposable {
  readonly namespace: N
  readonly #o: ResolvedCacheOptions<N>
  readonly #keyspace: Keyspace<N>
  readonly #guard: RedisGuard
  readonly #events: CacheEvents
  readonly #store: RedisStore
  readonly #l1: L1 | undefined
  readonly #bus: CacheBus | undefined
  readonly #channel: string
  readonly #flights = new SingleFlight<Fill<unknown>>()
  readonly #waiters = new KeyWaiters()
  readonly #log: InvalidationLog
  readonly #writer: EntryWriter<N>
  readonly #reader: TieredReader
  readonly #fills: FillCoordinator<N>
  readonly #batches: BatchFill<N>
  readonly #epochKey: string
  readonly #deleteRetentionMs: number
  readonly #tagRetentionMs: number
  readonly #onStateChange: (change: StateChange) => void
  readonly #whenRedisDown: DegradationMode
  #closed = false

  constructor(options: CacheOptions<N>) {
    const o = resolveCacheOptions(options)
    this.#o = o
    this.namespace = o.namespace
    this.#keyspace = o.keyspace
    this.#events = new CacheEvents(o.namespace)
    this.#whenRedisDown = o.keyspace.namespace(o.namespace).whenRedisDown
    this.#guard = o.guard ?? sharedRedisGuard(o.redis)
    this.#store = new RedisStore(o.redis, this.#guard)
    // ADR-0020: reserved keys are plain keys of the namespace; value keys always start with a
    // hash tag `{...}` (keyspace.family), so no id can name a reserved key.
    this.#epochKey = this.#keyspace.key(o.namespace, 'epoch')
    this.#channel = this.#keyspace.key(o.namespace, 'bus')
    this.#deleteRetentionMs = Math.max(
      MIN_DELETE_RETENTION_MS,
      o.hardTimeoutMs ?? 0,
      o.distributed?.leaseTtlMs ?? 0,
    )
    this.#tagRetentionMs = tagRetention(o.keyspace.namespace(o.namespace).ttl.maxMs)
    this.#l1 = o.l1 === undefined ? undefined : new L1(o.l1)
    const origin = randomBytes(16).toString('hex')
    this.#bus =
      o.l1 !== undefined || o.distributed !== undefined
        ? new CacheBus(o.redis, this.#channel, origin, {
            onMessage: (message) => this.#log.receive(message),
            onResubscribed: () => {
              // ADR-0020: messages may have been missed while unsubscribed.
              this.#l1?.clear()
              this.#waiters.wakeAll()
            },
          })
        : undefined
    this.#log = new InvalidationLog({
      store: this.#store,
      bus: this.#bus,
      l1: this.#l1,
      waiters: this.#waiters,
      events: this.#events,
      channel: this.#channel,
      epochKey: this.#epochKey,
      tagKey: (tag) => this.#tagKey(tag),
      deleteRetentionMs: this.#deleteRetentionMs,
      tagRetentionMs: this.#tagRetentionMs,
      replayIntervalMs: o.replayIntervalMs,
      maxPending: o.maxPendingInvalidations,
    })
    this.#reader = new TieredReader({
      namespace: o.namespace,
      store: this.#store,
      l1: this.#l1,
      bus: this.#bus,
      log: this.#log,
      epochKey: this.#epochKey,
      tagKey: (tag) => this.#tagKey(tag),
      tagRetentionMs: this.#tagRetentionMs,
      whenRedisDown: this.#whenRedisDown,
    })
    this.#writer = new EntryWriter({
      o,
      keyspace: this.#keyspace,
      store: this.#store,
      l1: this.#l1,
      log: this.#log,
      events: this.#events,
      tagKey: (tag) => this.#tagKey(tag),
      deleteRetentionMs: this.#deleteRetentionMs,
    })
    const fill = {
      o,
      reader: this.#reader,
      writer: this.#writer,
      store: this.#store,
      clock: new RedisClock(this.#store),
      log: this.#log,
      bus: this.#bus,
      waiters: this.#waiters,
      events: this.#events,
      decode: (entry: CacheEntry) => this.#decode(entry),
    }
    this.#fills = new FillCoordinator(fill)
    this.#batches = new BatchFill(fill, this.#fills, this.#flights)
    this.#onStateChange = (change) => {
      if (change.to === 'closed') void this.#log.replay()
    }
    this.#guard.on('stateChange', this.#onStateChange)
  }

  /** Resolves once the bus is subscribed (immediately without L1 and distributed single-flight). */
  async ready(signal?: AbortSignal): Promise<void> {
    await this.#bus?.ready(signal)
  }

  get stats(): CacheStats {
    return {
      l1Entries: this.#l1?.size ?? 0,
      l1Bytes: this.#l1?.bytes ?? 0,
      pendingInvalidations: this.#log.pending.size,
      busSubscribed: this.#bus?.subscribed ?? false,
    }
  }

  /** The fresh value, or undefined. While Redis is unavailable, a graced L1 value is served. */
  async get<T>(id: CacheId, options: GetOptions = {}): Promise<T | undefined> {
    return (await this.getMany<T>([id], options))[0]
  }

  async getMany<T>(ids: readonly CacheId[], options: GetOptions = {}): Promise<(T | undefined)[]> {
    this.#assertOpen()
    const keys = ids.map((id) => this.#idKeys(id))
    const read = await abortable(this.#reader.read(keys, []), options.signal)
    return read.found.map((found) => {
      if (found === undefined) {
        this.#events.miss()
        return undefined
      }
      if (found.fresh) this.#events.hit(found.tier)
      else if (read.redisDown) this.#events.stale('redis-unavailable')
      else {
        // A graced value is for getOrSet's fallbacks; a plain read reports a miss.
        this.#events.miss()
        return undefined
      }
      return this.#decode(found.entry) as T
    })
  }

  /**
   * The cached value, or the loader's. Concurrent calls for one id in this process share one
   * loader call; with distributed single-flight, so do processes (ADR-0020). The options of the
   * call that starts a load apply to that load.
   */
  async getOrSet<T>(id: CacheId, loader: Loader<T>, options: GetOrSetOptions = {}): Promise<T> {
    this.#assertOpen()
    if (typeof loader !== 'function')
      throw cacheError('E_INVALID_OPTIONS', 'getOrSet needs a loader function')
    this.#fills.checkCallOptions(options)
    const keys = this.#idKeys(id)
    const tags = normalizeTags(options.tags)
    const local = this.#reader.l1Fresh(keys.value, tags)
    if (local !== undefined) {
      this.#events.hit('l1')
      this.#fills.refreshAhead(keys, tags, local, loader as Loader<unknown>, options)
      return this.#decode(local) as T
    }
    const flight = this.#flights.run(keys.value, () =>
      this.#fills.fill(keys, tags, loader as Loader<unknown>, options),
    )
    return (await abortable(flight, options.signal)).value as T
  }

  /**
   * Values for every id; the misses are loaded by ONE loader call (its reply may hold an `Error`
   * for an id: that id failed). An id whose load failed is served its graced value; one without
   * fails the call (`getManyOrSetSettled` gives each id its own outcome). An id being loaded in
   * this process, or, with distributed single-flight, in another, is waited for (ADR-0020).
   */
  async getManyOrSet<T>(
    ids: readonly CacheId[],
    loader: BatchLoader<T>,
    options: GetOrSetOptions = {},
  ): Promise<(T | undefined)[]> {
    return (await this.getManyOrSetSettled(ids, loader, options)).map((one) => {
      if (one.status === 'rejected') throw one.reason
      return one.value
    })
  }

  /** `getManyOrSet` with an outcome per id, as `Promise.allSettled` gives (issue 19). */
  async getManyOrSetSettled<T>(
    ids: readonly CacheId[],
    loader: BatchLoader<T>,
    options: GetOrSetOptions = {},
  ): Promise<PromiseSettledResult<T | undefined>[]> {
    this.#assertOpen()
    if (typeof loader !== 'function')
      throw cacheError('E_INVALID_OPTIONS', 'getManyOrSet needs a loader function')
    this.#fills.checkCallOptions(options)
    const keys = ids.map((id) => this.#idKeys(id))
    const loads = this.#batches.run(ids, keys, normalizeTags(options.tags), loader, options)
    return (await abortable(loads, options.signal)) as PromiseSettledResult<T | undefined>[]
  }

  /** Stores a value: `applied` when Redis has it; otherwise the id is deleted once Redis answers (WriteResult). */
  async set<T>(id: CacheId, value: T, options: SetOptions = {}): Promise<WriteResult> {
    return this.setMany([{ id, value }], options)
  }

  async setMany<T>(
    items: readonly { id: CacheId; value: T }[],
    options: SetOptions = {},
  ): Promise<WriteResult> {
    this.#assertOpen()
    this.#fills.checkCallOptions(options)
    const tags = normalizeTags(options.tags)
    const prepared = items.map((item) => {
      if (item.value === undefined)
        throw cacheError('E_INVALID_VALUE', 'undefined cannot be cached; use delete()')
      return { keys: this.#idKeys(item.id), value: item.value as unknown, deletedSeen: ALWAYS }
    })
    const versions = await this.#reader.readVersions(tags)
    const stored = await this.#writer.write(prepared, tags, versions, options)
    if (!stored.applied) {
      // ADR-0013: Redis may hold an older value of these ids; they are deleted on recovery.
      for (const item of prepared) this.#l1?.delete(item.keys.value)
      this.#log.queue(() => this.#log.pending.addIds(prepared.map((item) => item.keys)))
    }
    return stored
  }

  /** Deletes a value (`soft`: stale but graced, ADR-0020); a WriteResult, as `invalidateTags`. */
  async delete(id: CacheId, options?: InvalidateOptions): Promise<WriteResult> {
    return this.deleteMany([id], options)
  }

  async deleteMany(ids: readonly CacheId[], options: InvalidateOptions = {}): Promise<WriteResult> {
    this.#assertOpen()
    const keys = ids.map((id) => this.#idKeys(id))
    for (const one of keys) this.#l1?.delete(one.value)
    const done = await this.#store.delete(keys, this.#deleteRetentionMs, softOf(options))
    if (done instanceof Unconfirmed) {
      this.#log.queue(() => this.#log.pending.addIds(keys))
      return notConfirmed(done.outcome)
    }
    await this.#log.publish({ type: 'keys', keys: keys.map((one) => one.value) }, () =>
      this.#log.pending.addIds(keys),
    )
    return APPLIED
  }

  /**
   * After it resolves, no read returns a value stored with one of these tags before it (ADR-0020:
   * a value whose recorded tag version is older than the tag's is a miss). L1 copies in other
   * processes go within the bus window. `soft` (issue 19): such values are stale but graced
   * instead, so the next read loads and a failing loader gets them. Not applied: replayed once
   * Redis answers, as a hard invalidation (WriteResult).
   */
  async invalidateTags(tags: readonly string[], options: InvalidateOptions = {}): Promise<WriteResult> {
    this.#assertOpen()
    const soft = softOf(options) // before the tags, which may be empty
    const list = normalizeTags(tags)
    if (list.length === 0) return APPLIED
    this.#l1?.deleteTagged(new Set(list))
    const done = await this.#store.bumpVersions(
      list.map((tag) => this.#tagKey(tag)),
      this.#tagRetentionMs,
      soft,
    )
    if (done instanceof Unconfirmed) {
      this.#log.queue(() => this.#log.pending.addTags(list))
      return notConfirmed(done.outcome)
    }
    await this.#log.publish({ type: 'tags', tags: list }, () => this.#log.pending.addTags(list))
    return APPLIED
  }

  /**
   * Empties the namespace within its flush class (ADR-0011: `disruptive` needs `force` and a
   * reason, `forbidden` is refused), then moves the namespace epoch forward, so that a value a
   * racing loader writes after the flush is not readable either (ADR-0020).
   */
  async clear(options: ClearOptions = {}): Promise<ClearResult> {
    this.#assertOpen()
    this.#l1?.clear()
    let flush: FlushResult
    try {
      flush = await flushNamespace(this.#o.redis, this.#keyspace, this.namespace, {
        force: options.force,
        reason: options.reason,
        signal: options.signal,
      })
    } catch (error) {
      // The flush class is checked before any Redis call, so a refusal is never queued. Not run
      // through the guard: a long SCAN would trip its per-run timeout.
      if (!isRedisFailure(error)) throw error
      this.#log.queue(this.#log.queueEpoch)
      // A flush that failed part-way may have unlinked some keys: its outcome is unknown.
      return { applied: false, outcome: 'unknown' }
    }
    const bumped = await this.#store.bumpVersions([this.#epochKey], 0)
    if (bumped instanceof Unconfirmed) {
      this.#log.queue(this.#log.queueEpoch)
      return { applied: false, outcome: 'unknown' }
    }
    await this.#log.publish({ type: 'clear' }, this.#log.queueEpoch)
    return { applied: true, flush }
  }

  async close(): Promise<void> {
    await this[Symbol.asyncDispose]()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#guard.off('stateChange', this.#onStateChange)
    this.#log.close()
    this.#waiters.wakeAll()
    await this.#bus?.[Symbol.asyncDispose]()
  }

  // --- helpers ---------------------------------------------------------------------------------

  #idKeys(id: CacheId): IdKeys {
    // ADR-0020: one hash tag per id, so its value, delete version and lease share one slot and
    // the conditional write (entry-write.lua) runs on Cluster.
    const family = this.#keyspace.family(this.namespace, ...idParts(id))
    return { value: family.key(), deleted: family.key('deleted'), lease: family.key('lease') }
  }

  #tagKey(tag: string): string {
    return this.#keyspace.key(this.namespace, 'tag', tag)
  }

  #decode(entry: CacheEntry): unknown {
    return this.#o.serializer.deserialize(entry.payload)
  }

  #assertOpen(): void {
    if (this.#closed) throw cacheError('E_CACHE_CLOSED', 'the cache was closed')
  }
}

/** Creates a cache over one namespace of a keyspace (see `Cache`). */
export function createCache<N extends string>(options: CacheOptions<N>): Cache<N> {
  return new Cache(options)
}
