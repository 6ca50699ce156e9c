import { parseDuration } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { CacheEvents } from './cache-events.js'
import { type CacheEntry, encodeEntry } from './entry-codec.js'
import type { InvalidationLog } from './invalidation-log.js'
import type { L1 } from './l1.js'
import type { ResolvedCacheOptions } from './options.js'
import { type EntryWrite, type IdKeys, type RedisStore, Unconfirmed } from './redis-store.js'
import { jitterTtl } from './ttl.js'
import { APPLIED, type GetOrSetOptions, notConfirmed, type Versions, type WriteResult } from './types.js'

const NULL_TTL_CAP_MS = 60_000

export interface EntryWriterOptions<N extends string> {
  readonly o: ResolvedCacheOptions<N>
  readonly keyspace: Keyspace<N>
  readonly store: RedisStore
  readonly l1: L1 | undefined
  readonly log: InvalidationLog
  readonly events: CacheEvents
  readonly tagKey: (tag: string) => string
  readonly deleteRetentionMs: number
}

/**
 * ADR-0020 / ADR-0021: turns values into entries (TTL within the namespace's policy, jitter,
 * grace, the versions they recorded, encoding) and writes them: to Redis, then to this process's
 * L1 unless another process invalidated meanwhile, then a message to the other processes.
 */
export class EntryWriter<N extends string> {
  readonly #w: EntryWriterOptions<N>

  constructor(options: EntryWriterOptions<N>) {
    this.#w = options
  }

  /** Serializes and writes values with one set of tags. */
  async write(
    items: readonly { keys: IdKeys; value: unknown; deletedSeen: number }[],
    tags: readonly string[],
    versions: Versions | undefined,
    options: GetOrSetOptions,
  ): Promise<WriteResult> {
    if (items.length === 0) return APPLIED
    const { o, keyspace, l1 } = this.#w
    const now = Date.now()
    const graceMs = options.grace === undefined ? o.graceMs : parseDuration(options.grace)
    const baseTtl = keyspace.ttl(
      o.namespace,
      options.ttl === undefined ? o.ttlMs : parseDuration(options.ttl),
    )
    const requestedNullTtl = options.nullTtl === undefined ? o.nullTtlMs : parseDuration(options.nullTtl)
    const nullTtl = keyspace.ttl(o.namespace, requestedNullTtl ?? Math.min(baseTtl, NULL_TTL_CAP_MS))
    // ADR-0020: the key's whole life, grace included, stays within the namespace's maximum TTL.
    const { maxMs } = keyspace.namespace(o.namespace).ttl
    const writes: EntryWrite[] = []
    const entries: CacheEntry[] = []
    for (const item of items) {
      // Serialize before anything else: a value that cannot be cached fails the call, not Redis.
      const payload = o.serializer.serialize(item.value)
      const lifetimeMs = Math.min(
        maxMs,
        jitterTtl(item.value === null ? nullTtl : baseTtl, o.jitter) + graceMs,
      )
      const ttl = Math.max(1, lifetimeMs - graceMs)
      const entry: CacheEntry = {
        payload,
        expiresAt: now + ttl,
        graceEndsAt: now + lifetimeMs,
        epoch: versions?.epoch ?? 0,
        tags: tags.map((tag) => ({ tag, version: Math.max(0, versions?.tags.get(tag) ?? 0) })),
      }
      entries.push(entry)
      writes.push({
        keys: item.keys,
        bytes: encodeEntry(entry, o.compressionThreshold),
        lifetimeMs,
        deletedSeen: item.deletedSeen,
        tagKeys: tags.map(this.#w.tagKey),
      })
    }
    // ADR-0020: a load slower than the delete retention cannot prove no delete happened meanwhile.
    const tooOld = versions !== undefined && now - versions.readAt > this.#w.deleteRetentionMs
    const l1Since = l1?.generation
    const written =
      versions === undefined || tooOld ? new Unconfirmed('not-applied') : await this.#w.store.write(writes)
    if (written instanceof Unconfirmed) {
      this.#w.events.writesSkipped(items.length)
      return notConfirmed(written.outcome)
    }
    // A write invalidates reads still in flight in this process (their replies are older); the
    // new value goes to L1 unless another process invalidated meanwhile.
    const unchanged = l1?.generation === l1Since
    items.forEach((item, index) => {
      l1?.delete(item.keys.value)
      if (unchanged) l1?.keep(item.keys.value, entries[index] as CacheEntry, undefined)
    })
    const log = this.#w.log
    await log.publish({ type: 'keys', keys: items.map((item) => item.keys.value) }, () =>
      log.pending.addIds(items.map((item) => item.keys)),
    )
    return APPLIED
  }
}
