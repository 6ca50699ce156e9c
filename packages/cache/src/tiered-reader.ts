import { type DegradationMode, RedlayerError } from '@redlayer/connection'
import type { CacheBus } from './bus.js'
import { type CacheEntry, decodeEntry } from './entry-codec.js'
import type { InvalidationLog } from './invalidation-log.js'
import type { L1 } from './l1.js'
import {
  ABSENT,
  type IdKeys,
  type RedisStore,
  type StoredValue,
  UNAVAILABLE,
  type VersionsRead,
} from './redis-store.js'
import type { Found, ReadResult, Versions } from './types.js'

/** Whether `entry` recorded a version of every tag in `tags`. */
function recordsEvery(entry: CacheEntry, tags: readonly string[]): boolean {
  for (const tag of tags) if (!entry.tags.some((stamp) => stamp.tag === tag)) return false
  return true
}

/**
 * The tags a write records: the caller's, and those of values the read passed over because they
 * lacked one of the caller's (ADR-0020), so that callers naming different tags of one id converge
 * on one value that every one of their invalidations reaches.
 */
export function tagsToRecord(tags: readonly string[], read: ReadResult): readonly string[] {
  const carried = read.carriedTags
  if (carried === undefined) return tags
  return [...new Set([...tags, ...carried])].sort()
}

/**
 * Issue 19: how far the clocks of two Redis nodes (Cluster), or of a master and the replica that
 * replaced it, may disagree (NTP keeps them within milliseconds): a tag a loader names that was
 * bumped less than this before its load began counts as bumped during it (its value is not written).
 */
const LOADER_TAG_SKEW_US = 100_000

/** How a read judges a stored value against the versions it recorded (ADR-0020). */
const INVALID = 0
const CURRENT = 1
/** Issue 19: stale but graced, whatever its expiry says ("Soft invalidation"). */
const SOFTLY_INVALIDATED = 2
type Judgement = typeof INVALID | typeof CURRENT | typeof SOFTLY_INVALIDATED

/**
 * The tag versions a read judges values by, and the floors of the softly invalidated ones (issue
 * 19, ADR-0020 "Soft invalidation"): below its floor a value is invalid, above it stale but graced.
 */
interface TagVersions {
  readonly versions: Map<string, number>
  floors: Map<string, number> | undefined
}

/** The tag versions of a read that met no tag (shared, never written to). */
const NO_TAGS: TagVersions = { versions: new Map(), floors: undefined }

/** Adds the versions of `tags`, read from position `from` of `read`, to `into`. */
function addVersions(into: TagVersions, tags: readonly string[], read: VersionsRead, from: number): void {
  for (let index = 0; index < tags.length; index++) {
    const tag = tags[index] as string
    into.versions.set(tag, read.versions[index + from] ?? 0)
    const floor = read.floors?.[index + from]
    if (floor === undefined) continue
    into.floors ??= new Map()
    into.floors.set(tag, floor)
  }
}

export interface TieredReaderOptions {
  readonly namespace: string
  readonly store: RedisStore
  readonly l1: L1 | undefined
  readonly bus: CacheBus | undefined
  readonly log: InvalidationLog
  readonly epochKey: string
  readonly tagKey: (tag: string) => string
  /** How long a tag's version key outlives its last bump or creation (`tagRetention`). */
  readonly tagRetentionMs: number
  readonly whenRedisDown: DegradationMode
}

/**
 * ADR-0020: reads values from L1 then Redis, and judges each against the versions it recorded:
 * the namespace epoch, its tags and the invalidations still queued in this process. While Redis
 * is unavailable, the namespace's `whenRedisDown` decides what stands in (ADR-0013).
 */
export class TieredReader {
  readonly #r: TieredReaderOptions & { readonly epochOnly: readonly string[] }

  constructor(options: TieredReaderOptions) {
    // The epoch key alone: the version keys of a read without tags (no array per read).
    this.#r = { ...options, epochOnly: [options.epochKey] }
  }

  /**
   * A fresh L1 value (only while the bus is subscribed, not covered by a queued invalidation, and
   * carrying every tag of `readerTags`: the bus drops a copy by the tags it was stored with).
   */
  l1Fresh(key: string, readerTags: readonly string[]): CacheEntry | undefined {
    if (this.#r.l1 === undefined || !this.#r.bus?.subscribed) return undefined
    const now = Date.now()
    const entry = this.#r.l1.get(key, now)
    if (
      entry === undefined ||
      entry.expiresAt <= now ||
      this.#r.log.pending.covers(key, entry.tags) ||
      !readerTags.every((tag) => entry.tags.includes(tag))
    )
      return undefined
    return {
      payload: entry.payload,
      expiresAt: entry.expiresAt,
      graceEndsAt: entry.graceEndsAt,
      epoch: 0,
      tags: [],
    }
  }

  /**
   * Reads ids from L1 (fresh only, and only while the bus is subscribed) then from Redis, with the
   * versions every judgement needs: the epoch, the `hintTags` (read in the same round trip, they
   * are the snapshot a following load records) and any other tag the values carry. `fromL1`
   * false reads Redis alone (a refresh ahead: this process's L1 copy is what is being refreshed).
   */
  async read(keys: readonly IdKeys[], hintTags: readonly string[], fromL1 = true): Promise<ReadResult> {
    // Plain loops and lazy collections: without L1 and tags (the common hit) this allocates only
    // what it returns.
    const now = Date.now()
    const l1Since = this.#r.l1?.generation
    const found: (Found | undefined)[] = new Array(keys.length).fill(undefined)
    const deleted: number[] = new Array(keys.length).fill(0)
    let l1Graced: (Found | undefined)[] | undefined
    let fromRedis: number[] | undefined
    let redisKeys: readonly IdKeys[] = keys
    if (this.#r.l1 !== undefined && fromL1) {
      l1Graced = new Array(keys.length).fill(undefined)
      fromRedis = []
      for (let index = 0; index < keys.length; index++) {
        const one = keys[index] as IdKeys
        const fresh = this.l1Fresh(one.value, hintTags)
        if (fresh !== undefined) {
          found[index] = { entry: fresh, fresh: true, tier: 'l1' }
          continue
        }
        const graced = this.#r.l1.get(one.value, now)
        if (graced !== undefined)
          l1Graced[index] = { entry: { ...graced, epoch: 0, tags: [] }, fresh: false, tier: 'l1' }
        fromRedis.push(index)
      }
      if (fromRedis.length === 0)
        return { found, deleted, versions: undefined, redisDown: false, carriedTags: undefined }
      if (fromRedis.length < keys.length) redisKeys = fromRedis.map((index) => keys[index] as IdKeys)
      else fromRedis = undefined
    }
    // Position in the Redis reply -> index in `keys` (identity when every id was read from Redis).
    const indexOf = (position: number): number =>
      fromRedis === undefined ? position : (fromRedis[position] as number)

    const versionKeys =
      hintTags.length === 0
        ? this.#r.epochOnly
        : [this.#r.epochKey, ...hintTags.map((tag) => this.#r.tagKey(tag))]
    const reply = await this.#r.store.read(redisKeys, versionKeys)
    if (reply === UNAVAILABLE)
      return this.#unavailableRead(found, deleted, redisKeys.length, indexOf, l1Graced)
    const { values: stored, versions: hinted } = reply

    const entries: (CacheEntry | undefined)[] = new Array(stored.length)
    let unknownTags: Set<string> | undefined
    for (let position = 0; position < stored.length; position++) {
      const bytes = (stored[position] as StoredValue).bytes
      const entry = bytes === null ? undefined : decodeEntry(bytes)
      entries[position] = entry
      if (entry === undefined) continue
      for (const stamp of entry.tags) {
        if (hintTags.includes(stamp.tag)) continue
        unknownTags ??= new Set()
        unknownTags.add(stamp.tag)
      }
    }
    let tags: TagVersions = NO_TAGS
    if (hintTags.length > 0 || unknownTags !== undefined) {
      tags = { versions: new Map(), floors: undefined }
      addVersions(tags, hintTags, reply, 1)
    }
    if (unknownTags !== undefined) {
      const extra = [...unknownTags]
      const read = await this.#r.store.readVersions(extra.map((tag) => this.#r.tagKey(tag)))
      if (read === UNAVAILABLE)
        return this.#unavailableRead(found, deleted, redisKeys.length, indexOf, l1Graced)
      addVersions(tags, extra, read, 0)
    }
    // ADR-0020: a lost epoch key (ABSENT) cannot prove the namespace was not cleared since.
    const epoch = hinted[0] ?? ABSENT
    const readAt = Date.now()
    let carried: Set<string> | undefined
    for (let position = 0; position < stored.length; position++) {
      const index = indexOf(position)
      const entry = entries[position]
      const one = keys[index] as IdKeys
      deleted[index] = (stored[position] as StoredValue).deleted
      const judged = entry === undefined ? INVALID : this.#judge(one.value, entry, epoch, tags, readAt)
      if (entry === undefined || judged === INVALID) {
        this.#r.l1?.discard(one.value)
        continue
      }
      if (!recordsEvery(entry, hintTags)) {
        // ADR-0020, "the reader's tags count too": a value that recorded no version of a tag the
        // reader names cannot show that tag was not invalidated after it was written, so it is
        // no value for this reader (not even a graced one). The rewrite records its tags as well.
        carried ??= new Set()
        for (const stamp of entry.tags) carried.add(stamp.tag)
        continue
      }
      const fresh = judged === CURRENT && readAt < entry.expiresAt
      found[index] = { entry, fresh, tier: 'redis' }
      if (fresh && this.#r.l1 !== undefined) this.#r.l1.keep(one.value, entry, l1Since)
    }
    return {
      found,
      deleted,
      versions: { epoch, tags: tags.versions, readAt },
      redisDown: false,
      carriedTags: carried === undefined ? undefined : [...carried],
    }
  }

  /** ADR-0013: Redis is unavailable; the namespace's whenRedisDown decides what stands in. */
  #unavailableRead(
    found: (Found | undefined)[],
    deleted: number[],
    count: number,
    indexOf: (position: number) => number,
    l1Graced: readonly (Found | undefined)[] | undefined,
  ): ReadResult {
    if (this.#r.whenRedisDown === 'fail-closed') {
      throw new RedlayerError(
        'E_REDIS_UNAVAILABLE',
        `Redis is unavailable and namespace ${this.#r.namespace} fails closed`,
      )
    }
    if (
      l1Graced !== undefined &&
      (this.#r.whenRedisDown === 'serve-stale' || this.#r.whenRedisDown === 'local-fallback')
    ) {
      for (let position = 0; position < count; position++) {
        const index = indexOf(position)
        found[index] = l1Graced[index]
      }
    }
    return { found, deleted, versions: undefined, redisDown: true, carriedTags: undefined }
  }

  /**
   * ADR-0020: a value is current when no epoch bump, tag invalidation or pending invalidation is
   * newer; softly invalidated (issue 19) when the only newer ones are soft tag bumps, each above
   * the floor the value recorded at least; otherwise invalid.
   */
  #judge(key: string, entry: CacheEntry, epoch: number, tags: TagVersions, now: number): Judgement {
    if (entry.graceEndsAt <= now || epoch === ABSENT || epoch > entry.epoch) return INVALID
    let judged: Judgement = CURRENT
    for (const stamp of entry.tags) {
      // ADR-0020: a lost tag key (ABSENT) cannot prove the value was not invalidated.
      const current = tags.versions.get(stamp.tag) ?? ABSENT
      if (current === ABSENT) return INVALID
      if (current <= stamp.version) continue
      const floor = tags.floors?.get(stamp.tag)
      if (floor === undefined || floor > stamp.version) return INVALID
      judged = SOFTLY_INVALIDATED
    }
    // Nothing queued (Redis was reachable throughout): nothing to check, nothing to allocate.
    if (this.#r.log.pending.size === 0) return judged
    return this.#r.log.pending.covers(
      key,
      entry.tags.map((stamp) => stamp.tag),
    )
      ? INVALID
      : judged
  }

  /** The versions a write records, read now (and made where missing). */
  async readVersions(tags: readonly string[]): Promise<Versions | undefined> {
    const read = await this.#r.store.readVersions([
      this.#r.epochKey,
      ...tags.map((tag) => this.#r.tagKey(tag)),
    ])
    if (read === UNAVAILABLE) return undefined
    const { versions } = read
    return this.withVersions(
      {
        epoch: versions[0] ?? ABSENT,
        tags: new Map(tags.map((tag, index) => [tag, versions[index + 1] ?? ABSENT])),
        readAt: Date.now(),
      },
      tags,
    )
  }

  /**
   * Issue 19 (ADR-0020, "The loader's say"): the versions of tags a loader named, read after its
   * load, or undefined (the value is not written) when one was bumped after `startedAt` (Redis
   * TIME before the load, µs) less LOADER_TAG_SKEW_US: it may have been invalidated after the loader
   * read its source. A missing tag key is made now: nothing invalidated through it during the load.
   */
  async tagsUnchangedSince(
    tags: readonly string[],
    startedAt: number,
  ): Promise<ReadonlyMap<string, number> | undefined> {
    const read = await this.#r.store.readVersions(tags.map((tag) => this.#r.tagKey(tag)))
    if (read === UNAVAILABLE) return undefined
    const out = new Map<string, number>()
    const missing: string[] = []
    for (let index = 0; index < tags.length; index++) {
      const tag = tags[index] as string
      const version = read.versions[index] ?? ABSENT
      if (version === ABSENT) missing.push(tag)
      else if (version > startedAt - LOADER_TAG_SKEW_US) return undefined
      else out.set(tag, version)
    }
    if (missing.length === 0) return out
    const made = await this.#r.store.ensureVersions(
      missing.map((tag) => this.#r.tagKey(tag)),
      this.#r.tagRetentionMs,
    )
    if (made === UNAVAILABLE) return undefined
    missing.forEach((tag, index) => {
      out.set(tag, made[index] ?? ABSENT)
    })
    return out
  }

  /**
   * ADR-0020: the versions a write will record, with the epoch and every tag of `tags` whose key
   * is missing given one from Redis TIME first (before the load, so that an invalidation after it is seen).
   * Undefined (the write is skipped) when Redis could not make them.
   */
  async withVersions(read: Versions | undefined, tags: readonly string[]): Promise<Versions | undefined> {
    if (read === undefined) return undefined
    let versions = read
    if (versions.epoch === ABSENT) {
      // Once per namespace (or after its epoch key was lost): no expiry, as clear() leaves it.
      const made = await this.#r.store.ensureVersions([this.#r.epochKey], 0)
      if (made === UNAVAILABLE) return undefined
      versions = { ...versions, epoch: made[0] ?? ABSENT }
    }
    // No array for the common case (tags all present, or none): this runs before every load.
    let missing: string[] | undefined
    for (const tag of tags) {
      if ((versions.tags.get(tag) ?? ABSENT) !== ABSENT) continue
      missing ??= []
      missing.push(tag)
    }
    if (missing === undefined) return versions
    const made = await this.#r.store.ensureVersions(
      missing.map((tag) => this.#r.tagKey(tag)),
      this.#r.tagRetentionMs,
    )
    if (made === UNAVAILABLE) return undefined
    const ensured = new Map(versions.tags)
    for (let index = 0; index < missing.length; index++) {
      ensured.set(missing[index] as string, made[index] ?? ABSENT)
    }
    return { ...versions, tags: ensured }
  }
}
