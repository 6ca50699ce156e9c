import type { RedisClient } from '@redlayer/connection'
import { CHUNK, groupKeys, isCluster, LuaScript, oneCommand } from '@redlayer/connection/internal'
import { type RedisGuard, type RedisOutcome, redisFailureOf } from '@redlayer/resilience'

/** What a guarded Redis call returns when Redis is unavailable (ADR-0013): the caller degrades. */
export const UNAVAILABLE: unique symbol = Symbol('redis unavailable')
export type Guarded<T> = T | typeof UNAVAILABLE

// One options object for every guarded call: nothing is allocated per call for it.
const DEGRADE = { fallback: (): typeof UNAVAILABLE => UNAVAILABLE }

/**
 * A write Redis did not confirm (ADR-0013): `not-applied` (refused, or never sent) or `unknown`
 * (it timed out, or the connection dropped after it was sent: it may still apply).
 */
export class Unconfirmed {
  constructor(readonly outcome: RedisOutcome) {}
}
const UNCONFIRMED = {
  fallback: (_reason: unknown, error?: unknown) =>
    new Unconfirmed(redisFailureOf(error)?.outcome ?? 'not-applied'),
}

/** The Redis keys of one cache id: its value, its delete version and its lease, in one slot. */
export interface IdKeys {
  readonly value: string
  readonly deleted: string
  readonly lease: string
}

/** A value to write: its bytes, its lifetime in Redis, and the versions it recorded. */
export interface EntryWrite {
  readonly keys: IdKeys
  readonly bytes: Buffer
  readonly lifetimeMs: number
  /**
   * Delete version seen before loading (0: none); the write is dropped if the id was deleted
   * since, or if the version seen was lost. -1: written whatever was deleted (an explicit set).
   */
  readonly deletedSeen: number
  readonly tagKeys: readonly string[]
}

export interface ReadReply extends VersionsRead {
  readonly values: StoredValue[]
}

/** One caller's read waiting in the current batch. */
interface QueuedRead {
  readonly ids: readonly IdKeys[]
  readonly versionKeys: readonly string[]
  readonly resolve: (reply: Guarded<ReadReply>) => void
  readonly reject: (error: unknown) => void
}

/**
 * At most this many reads per batch off Cluster (issue 18, ADR-0020 "Read batching"). Measured
 * with 64 concurrent hits (a harness, metrics subscribed, three processes each, alternating):
 * unbounded (all 64 in one MGET, one batch in flight) 105k to 115k ops/s, 16 per batch 129k to
 * 132k, 32 per batch 137k to 139k. On Cluster a batch is already one MGET per slot, all in flight
 * together, and the bound only added commands (0.78x/0.76x of raw GET to 0.68x/0.68x at c=64).
 */
export const MAX_BATCH_READS = 32

/** The reads issued in one tick; flushed once, as one guarded MGET. */
interface ReadBatch {
  readonly reads: QueuedRead[]
  keyCount: number
  flushed: boolean
}

/**
 * A tag or epoch version whose key does not exist (ADR-0020). Every value written with a tag
 * recorded its version after the key was made, so a missing tag key means it was lost (evicted,
 * deleted by hand, a restart without persistence): a value that carries that tag is not current.
 */
export const ABSENT = -1

/**
 * ADR-0020: how long a tag's version key outlives its last bump (values extend it when written):
 * 24 h, or the namespace's maximum TTL when shorter. No value lives longer than that maximum,
 * so a version key kept longer protects nothing, and would break the keyspace's TTL bound.
 */
export function tagRetention(namespaceMaxMs: number): number {
  return Math.min(24 * 3_600_000, namespaceMaxMs)
}

/** A delete version as stored (decimal microseconds), 0 when absent (never deleted). */
function versionOf(raw: Buffer | null | undefined): number {
  return raw == null ? 0 : Number(raw.toString())
}

/**
 * A tag or epoch version as stored, ABSENT when its key does not exist. After a soft bump the key
 * holds "<version>:<floor>" (version-bump.lua); this is the version, `softFloorOf` the floor.
 */
function tagVersionOf(raw: Buffer | null | undefined): number {
  return raw == null ? ABSENT : Number.parseInt(raw.toString(), 10)
}

const COLON = 0x3a

/** Issue 19: the floor of a softly bumped tag (values that recorded less are invalid), or undefined. */
function softFloorOf(raw: Buffer | null | undefined): number | undefined {
  const at = raw == null ? -1 : raw.indexOf(COLON)
  return at < 0 ? undefined : Number((raw as Buffer).subarray(at + 1).toString())
}

/**
 * Versions as read: `floors` is set only when a key was softly bumped, the floor at its index
 * (Issue 19, ADR-0020 "Soft invalidation").
 */
export interface VersionsRead {
  readonly versions: number[]
  readonly floors: (number | undefined)[] | undefined
}

/** The versions of `raw` from position `from` on (no copy: this is every read's path). */
function versionsOf(raw: readonly (Buffer | null | undefined)[], from = 0): VersionsRead {
  const count = raw.length - from
  const versions: number[] = new Array(count)
  let floors: (number | undefined)[] | undefined
  for (let index = 0; index < count; index++) {
    const one = raw[from + index]
    versions[index] = tagVersionOf(one)
    const floor = softFloorOf(one)
    if (floor === undefined) continue
    floors ??= new Array(count)
    floors[index] = floor
  }
  return { versions, floors }
}

/** One id as read: the stored bytes (null: none) and its delete version (0: never deleted). */
export interface StoredValue {
  readonly bytes: Buffer | null
  readonly deleted: number
}

const script = (name: string, file: string) => new LuaScript(name, new URL(`./${file}`, import.meta.url))

// ADR-0020: the cache's scripts, beside this module (the build copies them to dist).
const SCRIPTS = {
  entryWrite: script('redlayerCacheEntryWrite', 'entry-write.lua'),
  entryDelete: script('redlayerCacheEntryDelete', 'entry-delete.lua'),
  versionBump: script('redlayerCacheVersionBump', 'version-bump.lua'),
  versionTouch: script('redlayerCacheVersionTouch', 'version-touch.lua'),
  versionEnsure: script('redlayerCacheVersionEnsure', 'version-ensure.lua'),
  leaseRelease: script('redlayerCacheLeaseRelease', 'lease-release.lua'),
} as const

/**
 * Every Redis command of the cache, each run through the guard (ADR-0013) with a fallback that
 * returns UNAVAILABLE (a read) or Unconfirmed (a write): a Redis failure never reaches the caller
 * as an exception, it becomes a degraded path the cache decides on. Errors that are not Redis failures pass through.
 */
export class RedisStore {
  readonly redis: RedisClient
  readonly #guard: RedisGuard
  #batch: ReadBatch | undefined
  /** Reads per batch: MAX_BATCH_READS, unbounded on Cluster (a batch is one MGET per slot there). */
  readonly #maxReads: number

  constructor(redis: RedisClient, guard: RedisGuard) {
    this.redis = redis
    this.#maxReads = isCluster(redis) ? Number.POSITIVE_INFINITY : MAX_BATCH_READS
    void LuaScript.prepare(redis) // ahead of the first write (see LuaScript)
    this.#guard = guard
  }

  #run<T>(operation: string, fn: () => Promise<T>): Promise<Guarded<T>> {
    return this.#guard.run<Guarded<T>>(operation, fn, DEGRADE)
  }

  #write<T>(operation: string, fn: () => Promise<T>): Promise<T | Unconfirmed> {
    return this.#guard.run<T | Unconfirmed>(operation, fn, UNCONFIRMED)
  }

  /**
   * The values of ids with their delete versions, and the current versions of `versionKeys`
   * (epoch, tags), in one guarded call: one MGET on standalone and Sentinel, one per slot on
   * Cluster, all in flight together.
   */
  read(ids: readonly IdKeys[], versionKeys: readonly string[]): Promise<Guarded<ReadReply>> {
    // ADR-0020: the reads of one tick (the callers a burst of replies resumed) share one MGET:
    // one socket write and one guarded call instead of one each. A batch stays within one MGET
    // (CHUNK keys), so each read still sees its values and versions at one instant, and at most
    // MAX_BATCH_READS reads: the batches of a busy tick leave one after another, several in flight.
    const keyCount = ids.length * 2 + versionKeys.length
    let batch = this.#batch
    if (batch !== undefined && (batch.keyCount + keyCount > CHUNK || batch.reads.length >= this.#maxReads)) {
      this.#flush(batch)
      batch = undefined
    }
    if (batch === undefined) {
      const created: ReadBatch = { reads: [], keyCount: 0, flushed: false }
      this.#batch = created
      process.nextTick(() => this.#flush(created))
      batch = created
    }
    const queued = batch
    queued.keyCount += keyCount
    return new Promise((resolve, reject) => {
      queued.reads.push({ ids, versionKeys, resolve, reject })
    })
  }

  #flush(batch: ReadBatch): void {
    if (batch.flushed) return
    batch.flushed = true
    if (this.#batch === batch) this.#batch = undefined
    const { reads } = batch
    if (reads.length === 1) {
      const read = reads[0] as QueuedRead
      this.#run('cache.get', () => this.#readNow(read.ids, read.versionKeys)).then(read.resolve, read.reject)
      return
    }
    // One key list for the batch, each key once (the epoch key is in every read).
    const positions = new Map<string, number>()
    const keys: string[] = []
    const at = (key: string): number => {
      let position = positions.get(key)
      if (position === undefined) {
        position = keys.length
        keys.push(key)
        positions.set(key, position)
      }
      return position
    }
    const plans = reads.map((read) => ({
      values: read.ids.map((id) => [at(id.value), at(id.deleted)] as const),
      versions: read.versionKeys.map(at),
    }))
    this.#run('cache.get', () => this.#mget(keys)).then(
      (raw) => {
        reads.forEach((read, index) => {
          if (raw === UNAVAILABLE) {
            read.resolve(UNAVAILABLE)
            return
          }
          const plan = plans[index] as (typeof plans)[number]
          read.resolve({
            values: plan.values.map(([value, deleted]) => ({
              bytes: raw[value] ?? null,
              deleted: versionOf(raw[deleted]),
            })),
            ...versionsOf(plan.versions.map((position) => raw[position])),
          })
        })
      },
      (error: unknown) => {
        for (const read of reads) read.reject(error)
      },
    )
  }

  async #readNow(ids: readonly IdKeys[], versionKeys: readonly string[]): Promise<ReadReply> {
    // Plain loops: this is every cache hit's path, and each array or closure here is garbage.
    const base = ids.length * 2
    const keys: string[] = new Array(base + versionKeys.length)
    for (let index = 0; index < ids.length; index++) {
      const id = ids[index] as IdKeys
      keys[index * 2] = id.value
      keys[index * 2 + 1] = id.deleted
    }
    for (let index = 0; index < versionKeys.length; index++) keys[base + index] = versionKeys[index] as string
    const raw = await this.#mget(keys)
    const values: StoredValue[] = new Array(ids.length)
    for (let index = 0; index < ids.length; index++) {
      values[index] = { bytes: raw[index * 2] ?? null, deleted: versionOf(raw[index * 2 + 1]) }
    }
    return { values, ...versionsOf(raw, base) }
  }

  /** Current versions of tag or epoch keys (ABSENT for a missing key), split by slot on Cluster. */
  readVersions(keys: readonly string[]): Promise<Guarded<VersionsRead>> {
    if (keys.length === 0) return Promise.resolve({ versions: [], floors: undefined })
    return this.#run('cache.versions', async () => versionsOf(await this.#mget(keys)))
  }

  /** The versions of tag keys, each created from Redis TIME where it is missing (ADR-0020). */
  ensureVersions(keys: readonly string[], retentionMs: number): Promise<Guarded<number[]>> {
    return this.#run('cache.versions', () =>
      Promise.all(
        keys.map(async (key) =>
          Number.parseInt(String(await SCRIPTS.versionEnsure.run(this.redis, [key], [retentionMs])), 10),
        ),
      ),
    )
  }

  async #mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    // Standalone and Sentinel, up to one chunk: the reply is already in the order of the keys.
    if (oneCommand(this.redis, keys)) return this.redis.mgetBuffer(...keys)
    const out: (Buffer | null)[] = new Array(keys.length).fill(null)
    await Promise.all(
      groupKeys(this.redis, keys).map(async (group) => {
        const values = await this.redis.mgetBuffer(...group.keys)
        group.positions.forEach((position, index) => {
          out[position] = values[index] ?? null
        })
      }),
    )
    return out
  }

  /**
   * Writes values, each unless its id was deleted after `deletedSeen` (ADR-0020). The tag version
   * keys the values recorded are kept alive at least as long as the values. Resolves with how
   * many values were written.
   */
  write(entries: readonly EntryWrite[]): Promise<number | Unconfirmed> {
    return this.#write('cache.set', async () => {
      const lifetimes = new Map<string, number>()
      for (const entry of entries) {
        for (const key of entry.tagKeys)
          lifetimes.set(key, Math.max(lifetimes.get(key) ?? 0, entry.lifetimeMs))
      }
      // Versions first: a value must never be readable while the versions it recorded could expire.
      await Promise.all([...lifetimes].map(([key, ms]) => SCRIPTS.versionTouch.run(this.redis, [key], [ms])))
      const written = await Promise.all(
        entries.map((entry) =>
          SCRIPTS.entryWrite.run(
            this.redis,
            [entry.keys.value, entry.keys.deleted],
            [entry.bytes, entry.lifetimeMs, entry.deletedSeen],
          ),
        ),
      )
      return written.reduce<number>((sum, one) => sum + Number(one), 0)
    })
  }

  /**
   * Deletes ids, recording a delete version kept for `retentionMs` (ADR-0020); `soft` keeps each
   * value, stale but graced (issue 19).
   */
  delete(ids: readonly IdKeys[], retentionMs: number, soft = false): Promise<true | Unconfirmed> {
    const mode = soft ? '1' : '0'
    return this.#write('cache.delete', async () => {
      await Promise.all(
        ids.map((id) => SCRIPTS.entryDelete.run(this.redis, [id.value, id.deleted], [retentionMs, mode])),
      )
      return true as const
    })
  }

  /**
   * New versions for tag or epoch keys (ADR-0020). `retentionMs` 0: the key never expires; `soft`
   * leaves the values that recorded the old version stale but graced (issue 19).
   */
  bumpVersions(keys: readonly string[], retentionMs: number, soft = false): Promise<true | Unconfirmed> {
    const mode = soft ? '1' : '0'
    return this.#write('cache.invalidate', async () => {
      await Promise.all(keys.map((key) => SCRIPTS.versionBump.run(this.redis, [key], [retentionMs, mode])))
      return true as const
    })
  }

  /** Redis TIME in microseconds (on Cluster, one node's clock). */
  time(): Promise<Guarded<number>> {
    return this.#run('cache.versions', async () => {
      const [seconds, micros] = await this.redis.time()
      return Number(seconds) * 1_000_000 + Number(micros)
    })
  }

  /** SET NX PX: true when this caller now holds the single-flight lease. */
  acquireLease(key: string, token: string, ttlMs: number): Promise<Guarded<boolean>> {
    return this.#run(
      'cache.lease',
      async () => (await this.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK',
    )
  }

  releaseLease(key: string, token: string): Promise<Guarded<boolean>> {
    return this.#run(
      'cache.lease',
      async () => (await SCRIPTS.leaseRelease.run(this.redis, [key], [token])) === 1,
    )
  }

  publish(channel: string, message: string): Promise<Guarded<true>> {
    return this.#run('cache.publish', async () => {
      await this.redis.publish(channel, message)
      return true as const
    })
  }
}
