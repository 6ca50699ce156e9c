import { type Duration, parseDuration } from '@redlayer/connection'
import { randomToken } from '@redlayer/connection/internal'
import type { CacheBus } from './bus.js'
import type { CacheEvents } from './cache-events.js'
import { normalizeTags } from './cache-id.js'
import type { CacheEntry } from './entry-codec.js'
import type { EntryWriter } from './entry-writer.js'
import { cacheError } from './errors.js'
import type { InvalidationLog } from './invalidation-log.js'
import type { KeyWaiters } from './key-waiters.js'
import { isTimeout, raceSoftTimeout, runWithHardTimeout, SOFT_TIMEOUT } from './loader-timeout.js'
import type { ResolvedCacheOptions } from './options.js'
import type { RedisClock } from './redis-clock.js'
import { type IdKeys, type RedisStore, UNAVAILABLE } from './redis-store.js'
import { type TieredReader, tagsToRecord } from './tiered-reader.js'
import type { Found, GetOrSetOptions, Loader, ReadResult, Versions } from './types.js'

/** A getOrSet's shared outcome: the value, or undefined (not cached). */
export type Fill<T> = { readonly value: T | undefined }

export interface FillCoordinatorOptions<N extends string> {
  readonly o: ResolvedCacheOptions<N>
  readonly reader: TieredReader
  readonly writer: EntryWriter<N>
  readonly store: RedisStore
  readonly clock: RedisClock
  readonly log: InvalidationLog
  readonly bus: CacheBus | undefined
  readonly waiters: KeyWaiters
  readonly events: CacheEvents
  readonly decode: (entry: CacheEntry) => unknown
}

/**
 * ADR-0020: what happens on a miss. The cross-process lease (or waiting for its holder), the
 * loader under its soft and hard timeouts traced on `redlayer:cache.load`, grace (a graced value served
 * when the loader is slow or fails, the refresh going on in the background, once), and the write
 * of what was loaded, for one id (`fill`, behind the in-process single-flight) or a batch.
 */
export class FillCoordinator<N extends string> {
  readonly #f: FillCoordinatorOptions<N>
  /** Loads that passed their soft timeout and go on in the background, by value key. */
  readonly #refreshing = new Map<string, Promise<void>>()

  constructor(options: FillCoordinatorOptions<N>) {
    this.#f = options
  }

  /** The single-flight body of getOrSet for one id (ADR-0020): read, lease, load with grace, write. */
  async fill(
    keys: IdKeys,
    tags: string[],
    loader: Loader<unknown>,
    options: GetOrSetOptions,
  ): Promise<Fill<unknown>> {
    let read = await this.#f.reader.read([keys], tags)
    let found = read.found[0]
    if (found?.fresh) {
      this.#f.events.hit(found.tier)
      this.refreshAhead(keys, tags, found.entry, loader, options)
      return { value: this.#f.decode(found.entry) }
    }
    this.#f.events.miss()

    let lease: string | undefined
    if (this.distributedFor(options) && read.versions !== undefined) {
      // Not the caller's signal: the flight is shared, each caller stops waiting on its own.
      const outcome = await this.#leaseOrWait(keys, tags)
      if (outcome.kind === 'found') {
        this.#f.events.hit('redis')
        return { value: this.#f.decode(outcome.found.entry) }
      }
      read = outcome.read
      found = read.found[0] ?? found
      if (outcome.kind === 'leader') lease = outcome.token
    }

    const stale = found !== undefined && !found.fresh ? found : undefined
    const staleValue = stale === undefined ? undefined : this.#f.decode(stale.entry)
    if (stale !== undefined && read.redisDown) {
      // ADR-0013 serve-stale: the in-process copy stands in; the source of truth is spared.
      this.#f.events.stale('redis-unavailable')
      return { value: staleValue }
    }
    if (stale !== undefined && this.#refreshing.has(keys.value)) {
      // A refresh that passed its soft timeout is still running: serve the graced value rather
      // than start another load of the same key.
      this.#f.events.stale('soft-timeout')
      return { value: staleValue }
    }
    const recorded = tagsToRecord(tags, read)
    const versions = read.redisDown ? undefined : await this.#f.reader.withVersions(read.versions, recorded)
    const loading = this.#loadAndWrite(keys, read, recorded, versions, loader, options, staleValue, lease)
    const outcome = await this.withGrace(loading, stale ? [stale] : undefined, options)
    if (!outcome.loaded) {
      const background = loading.then(
        () => {},
        () => {},
      )
      this.#refreshing.set(keys.value, background)
      void background.finally(() => {
        if (this.#refreshing.get(keys.value) === background) this.#refreshing.delete(keys.value)
      })
    }
    return { value: outcome.loaded ? outcome.value : staleValue }
  }

  /**
   * Loads one id and writes what the loader returned (ADR-0020), then gives its lease back (and
   * wakes the other processes' waiters when nothing was written). Issue 19: the loader may set
   * its value's TTL and tags, or say not to cache it; for its tags the load's start is read first.
   */
  #loadAndWrite(
    keys: IdKeys,
    read: ReadResult,
    recorded: readonly string[],
    versions: Versions | undefined,
    loader: Loader<unknown>,
    options: GetOrSetOptions,
    staleValue: unknown,
    lease: string | undefined,
  ): Promise<unknown> {
    let published = false
    let ttl: number | undefined
    let skipped = false
    let named: string[] | undefined
    const context = {
      stale: staleValue,
      setTtl: (requested: Duration) => {
        ttl = parseDuration(requested)
      },
      skip: () => {
        skipped = true
      },
      setTags: (tags: readonly string[]) => {
        named = normalizeTags(tags)
      },
    }
    const write = async (value: unknown, startedAt: number | undefined) => {
      if (value === undefined || skipped) return
      const extra = named?.filter((tag) => !recorded.includes(tag))
      let tags = recorded
      let recording = versions
      if (extra !== undefined && extra.length > 0 && versions !== undefined) {
        const since =
          startedAt === undefined ? undefined : await this.#f.reader.tagsUnchangedSince(extra, startedAt)
        if (since === undefined) return this.#f.events.writesSkipped(1)
        tags = [...recorded, ...extra].sort()
        recording = { ...versions, tags: new Map([...versions.tags, ...since]) }
      }
      const deletedSeen = read.deleted[0] ?? 0
      const written = await this.#f.writer.write(
        [{ keys, value, deletedSeen }],
        tags,
        recording,
        ttl === undefined ? options : { ...options, ttl },
      )
      published = written.applied
    }
    const loading = async () => {
      // A Redis time before the load: a tag the loader names is judged against it (ADR-0020).
      const startedAt = versions === undefined ? undefined : await this.#f.clock.notAfterNow()
      const value = await this.timedLoad(1, (signal) => loader({ ...context, signal }), options)
      await write(value, startedAt)
      return value
    }
    return loading().finally(async () => {
      if (lease === undefined) return
      await this.#f.store.releaseLease(keys.lease, lease)
      // Waiters in other processes wake on the write's message, or on this one when nothing was written.
      if (!published) await this.#f.log.publish({ type: 'keys', keys: [keys.value] })
    })
  }

  /**
   * Issue 19 (ADR-0020, "Refresh ahead"): after a fresh hit past the `earlyRefresh` share of its
   * TTL, reloads the id in the background, once per process, and once across processes with the
   * distributed lease (a process that does not get it leaves the refresh to its holder). The
   * caller has its value already; a refresh that fails leaves the value to its expiry.
   */
  refreshAhead(
    keys: IdKeys,
    tags: string[],
    entry: CacheEntry,
    loader: Loader<unknown>,
    options: GetOrSetOptions,
  ): void {
    if (this.#refreshing.has(keys.value) || !this.#due(entry, options)) return
    const background = this.#refresh(keys, tags, loader, options).catch(() => {
      // Traced by the load's events; the value stays until it expires.
    })
    this.#refreshing.set(keys.value, background)
    void background.finally(() => {
      if (this.#refreshing.get(keys.value) === background) this.#refreshing.delete(keys.value)
    })
  }

  async #refresh(keys: IdKeys, tags: string[], loader: Loader<unknown>, options: GetOrSetOptions) {
    let lease: string | undefined
    const distributed = this.#f.o.distributed
    if (distributed !== undefined && options.distributed !== false) {
      const token = randomToken()
      if ((await this.#f.store.acquireLease(keys.lease, token, distributed.leaseTtlMs)) !== true) return
      lease = token
    }
    // From Redis: this process's L1 copy is the one being refreshed.
    const read = await this.#f.reader.read([keys], tags, false)
    const found = read.found[0]
    const recorded = tagsToRecord(tags, read)
    // Another process refreshed it before this one got the lease: nothing is due any more.
    const due = found?.fresh !== true || this.#due(found.entry, options)
    const versions = due ? await this.#f.reader.withVersions(read.versions, recorded) : undefined
    if (versions === undefined) {
      if (lease !== undefined) await this.#f.store.releaseLease(keys.lease, lease)
      return
    }
    const stale = found === undefined ? undefined : this.#f.decode(found.entry)
    await this.#loadAndWrite(keys, read, recorded, versions, loader, options, stale, lease)
  }

  /** Whether a fresh entry is past the `earlyRefresh` share of the TTL its call would write. */
  #due(entry: CacheEntry, options: GetOrSetOptions): boolean {
    const ratio =
      options.earlyRefresh === undefined ? this.#f.o.earlyRefresh : options.earlyRefresh || undefined
    if (ratio === undefined) return false
    const { o } = this.#f
    const ttlMs = o.keyspace.ttl(
      o.namespace,
      options.ttl === undefined ? o.ttlMs : parseDuration(options.ttl),
    )
    return Date.now() >= entry.expiresAt - (1 - ratio) * ttlMs
  }

  /**
   * ADR-0020: holds the Redis lease (SET NX PX) and loads, or waits for the holder's value, woken
   * by its bus message; after `maxWait` (or when the holder fails) it loads by itself.
   */
  async #leaseOrWait(
    keys: IdKeys,
    tags: string[],
  ): Promise<
    | { kind: 'found'; found: Found }
    | { kind: 'leader'; token: string; read: ReadResult }
    | { kind: 'alone'; read: ReadResult }
  > {
    const distributed = this.#f.o.distributed as { leaseTtlMs: number; maxWaitMs: number }
    const token = randomToken()
    const acquired = await this.#f.store.acquireLease(keys.lease, token, distributed.leaseTtlMs)
    if (acquired === true) {
      // Another process may have written the value between our read and the lease.
      const read = await this.#f.reader.read([keys], tags)
      const found = read.found[0]
      if (found?.fresh) {
        await this.#f.store.releaseLease(keys.lease, token)
        return { kind: 'found', found }
      }
      return { kind: 'leader', token, read }
    }
    if (acquired === UNAVAILABLE || !this.#f.bus?.subscribed) {
      return { kind: 'alone', read: await this.#f.reader.read([keys], tags) }
    }
    const wait = this.#f.waiters.wait(keys.value, distributed.maxWaitMs)
    let read = await this.#f.reader.read([keys], tags)
    let found = read.found[0]
    if (found?.fresh) {
      wait.cancel()
      return { kind: 'found', found }
    }
    await wait.woken
    read = await this.#f.reader.read([keys], tags)
    found = read.found[0]
    if (found?.fresh) return { kind: 'found', found }
    return { kind: 'alone', read }
  }

  /** Bad per-call options fail before any Redis call or load, not after the loader ran. */
  checkCallOptions(options: GetOrSetOptions): void {
    for (const name of ['ttl', 'grace', 'nullTtl', 'softTimeout', 'hardTimeout'] as const) {
      const value = options[name]
      if (value !== undefined) parseDuration(value)
    }
    const { o } = this.#f
    if (options.ttl !== undefined) o.keyspace.ttl(o.namespace, parseDuration(options.ttl))
    this.distributedFor(options)
    const { earlyRefresh } = options
    if (earlyRefresh !== undefined && earlyRefresh !== false && !(earlyRefresh > 0 && earlyRefresh < 1)) {
      throw cacheError(
        'E_INVALID_OPTIONS',
        'earlyRefresh is a share of the TTL, above 0 and below 1, or false',
      )
    }
  }

  /** Whether a call uses the cross-process lease; `distributed: true` without it is refused. */
  distributedFor(options: GetOrSetOptions): boolean {
    if (options.distributed === true && this.#f.o.distributed === undefined) {
      throw cacheError(
        'E_INVALID_OPTIONS',
        'distributed: true needs distributedSingleFlight in the cache options',
      )
    }
    return this.#f.o.distributed !== undefined && options.distributed !== false
  }

  /** Runs a loader under the hard timeout, traced on `redlayer:cache.load`. */
  timedLoad<R>(
    ids: number,
    load: (signal: AbortSignal) => Promise<R> | R,
    options: GetOrSetOptions,
  ): Promise<R> {
    const hardTimeoutMs =
      options.hardTimeout === undefined ? this.#f.o.hardTimeoutMs : parseDuration(options.hardTimeout)
    return this.#f.events.load(ids, () => runWithHardTimeout(load, hardTimeoutMs))
  }

  /**
   * ADR-0020: with graced values, a load slower than the soft timeout serves them (and goes on in
   * the background), and a failed load serves them. Without graced values, the load's outcome.
   */
  async withGrace<R>(
    loading: Promise<R>,
    stale: readonly Found[] | undefined,
    options: GetOrSetOptions,
  ): Promise<{ readonly loaded: true; readonly value: R } | { readonly loaded: false }> {
    if (stale === undefined) return { loaded: true, value: await loading }
    const softTimeoutMs =
      options.softTimeout === undefined ? this.#f.o.softTimeoutMs : parseDuration(options.softTimeout)
    try {
      const first =
        softTimeoutMs === undefined ? await loading : await raceSoftTimeout(loading, softTimeoutMs)
      if (first !== SOFT_TIMEOUT) return { loaded: true, value: first as R }
      loading.catch(() => {
        // Published by the loader trace; the graced value was served meanwhile.
      })
      this.#f.events.stale('soft-timeout', stale.length)
      return { loaded: false }
    } catch (error) {
      this.#f.events.stale(isTimeout(error) ? 'hard-timeout' : 'loader-error', stale.length)
      return { loaded: false }
    }
  }
}
