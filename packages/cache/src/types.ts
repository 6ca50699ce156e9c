import type { Duration, FlushResult } from '@redlayer/keyspace'
import type { RedisOutcome } from '@redlayer/resilience'
import type { CacheId } from './cache-id.js'
import type { CacheEntry } from './entry-codec.js'

// The cache's public call types and results, and the ones its parts pass each other.

/**
 * What a loader is given: a signal that aborts at the hard timeout, the graced value if any, and
 * a say in how its value is cached (issue 19, bentocache's `ctx`; ADR-0020).
 */
export interface LoaderContext<T> {
  readonly signal: AbortSignal
  /** The expired value still within grace, when there is one. */
  readonly stale: T | undefined
  /**
   * Caches the value for `ttl` (ms or `'30s'`) instead of the call's or the cache's TTL, within
   * the namespace's bounds like any TTL; null values keep their own (`nullTtl`). Throws
   * `E_INVALID_DURATION` for a TTL that is not one.
   */
  setTtl(ttl: Duration): void
  /** Returns the value to the callers without caching it (as `undefined` would, but with the value). */
  skip(): void
  /**
   * Tags the value carries besides the call's (`invalidateTags` of one reaches it). A tag
   * invalidated after the load began, or shortly before (the margin for Redis clocks), leaves the
   * value uncached (ADR-0020, "The loader's say"). Throws `E_INVALID_OPTIONS` for tags that are
   * not strings.
   */
  setTags(tags: readonly string[]): void
}

/** Returns the value to cache. `null` is cached (negative caching); `undefined` is returned but not cached. */
export type Loader<T> = (context: LoaderContext<T>) => Promise<T | undefined> | T | undefined

/**
 * Loads every missing id in one call; returns one value per id, in the same order. An `Error` in
 * place of a value fails that id alone and is not cached (issue 19, ADR-0020).
 */
export type BatchLoader<T> = (
  ids: CacheId[],
  context: { readonly signal: AbortSignal },
) => Promise<readonly (T | Error | undefined)[]> | readonly (T | Error | undefined)[]

export interface SetOptions {
  /** Requested TTL, clamped by the keyspace policy; jitter is applied on top. */
  ttl?: Duration
  grace?: Duration
  tags?: readonly string[]
}

export interface GetOptions {
  /** Stops waiting (rejects with the signal's reason); a shared load goes on for the others. */
  signal?: AbortSignal
}

export interface GetOrSetOptions extends SetOptions, GetOptions {
  nullTtl?: Duration
  softTimeout?: Duration
  hardTimeout?: Duration
  /** This call's `earlyRefresh` (the cache's by default); `false` turns it off for the call. */
  earlyRefresh?: number | false
  /** Use (true) or skip (false) the cross-process lease; needs `distributedSingleFlight` on the cache. */
  distributed?: boolean
}

/** Issue 19 (ADR-0020, "Soft invalidation"): options of `delete`, `deleteMany`, `invalidateTags`. */
export interface InvalidateOptions {
  /**
   * Keep the values, stale but graced until their grace ends: the next read loads, and a loader
   * that fails (or passes its soft timeout) gets the old value. Default false: they are gone.
   */
  soft?: boolean
}

export interface ClearOptions {
  /** Needed for a `disruptive` namespace (ADR-0011). */
  force?: boolean
  reason?: string
  signal?: AbortSignal
}

/**
 * What became of a write (`set`, `delete`, `invalidateTags`; ADR-0013): applied now, or not
 * confirmed: Redis could not take it, and the cache replays it (a delete, an invalidation) or
 * deletes the ids (a skipped set) once Redis answers, and reads in this process honour it
 * meanwhile. `outcome` says whether the command may still apply before that: `not-applied`
 * (refused, or never sent) or `unknown` (it timed out, or the connection dropped after sending).
 */
export type WriteResult =
  | { readonly applied: true }
  | { readonly applied: false; readonly outcome: RedisOutcome }

/** What `clear()` did: the flush result, or not confirmed (as for a write: the clear is replayed). */
export type ClearResult =
  | { readonly applied: true; readonly flush: FlushResult }
  | { readonly applied: false; readonly outcome: RedisOutcome }

export const APPLIED: WriteResult = Object.freeze({ applied: true })
export const notConfirmed = (outcome: RedisOutcome): WriteResult => ({ applied: false, outcome })

export interface CacheStats {
  readonly l1Entries: number
  readonly l1Bytes: number
  readonly pendingInvalidations: number
  readonly busSubscribed: boolean
}

/** The versions a read saw, which a load's write records (ADR-0020). */
export interface Versions {
  readonly epoch: number
  readonly tags: ReadonlyMap<string, number>
  /** Date.now() when read: a load that outlives the delete retention is not written. */
  readonly readAt: number
}

/** A value found by a read, and where. */
export interface Found {
  readonly entry: CacheEntry
  readonly fresh: boolean
  readonly tier: 'l1' | 'redis'
}

/** What a read of some ids found. */
export interface ReadResult {
  readonly found: (Found | undefined)[]
  /** Delete version of each id as read (0 when Redis was not read). */
  readonly deleted: number[]
  /** Undefined when Redis was not read or unavailable: nothing may be written from this read. */
  readonly versions: Versions | undefined
  /** Redis was unavailable: `found` holds only what the namespace's `whenRedisDown` allows. */
  readonly redisDown: boolean
  /**
   * The tags of current values passed over because they recorded no version of a tag the reader
   * names (ADR-0020); a write from this read records them too. Undefined when there were none.
   */
  readonly carriedTags: readonly string[] | undefined
}
