import { LRUCache } from 'lru-cache'
import type { CacheEntry } from './entry-codec.js'

/** One value held in process: the serialized payload (decoded again on every hit, so callers never share a mutable object) and its times. */
export interface L1Entry {
  readonly payload: Uint8Array
  readonly expiresAt: number
  readonly graceEndsAt: number
  readonly tags: readonly string[]
}

export interface L1Options {
  maxEntries: number
  maxBytes: number
}

// Fixed per-entry cost besides the key's characters and the payload's bytes: the entry object, its
// tags array, the Uint8Array and its ArrayBuffer, the cache's slot, a key built by concatenation.
// Measured on Node 20 x64 (bench/ memory scenario): 370 to 450 bytes of heap per entry; rounded up,
// so that maxBytes bounds what the tier really keeps alive. It also bounds a flood of tiny values.
const ENTRY_OVERHEAD_BYTES = 512

/**
 * The in-process tier (ADR-0020): least recently used first out, bounded by a count of entries AND
 * by bytes (key + payload + a fixed overhead): an `lru-cache` with `max` and `maxSize`. What is ours
 * is the expiry by grace and the coherence below.
 *
 * ADR-0020: every invalidation (of a key, tags or everything) moves `generation` forward. A value
 * read from Redis is only stored if no invalidation happened since the read started
 * (`set(key, entry, since)`): otherwise a reply that left Redis before a change, and arrived
 * after the change's bus message, would put the old value back in L1 for good.
 */
export class L1 {
  readonly #entries: LRUCache<string, L1Entry>
  #generation = 0

  constructor(options: L1Options) {
    this.#entries = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // An entry above maxBytes is not stored at all (lru-cache's maxEntrySize is maxSize).
      sizeCalculation: (entry, key) => sizeOf(key, entry),
    })
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#entries.calculatedSize
  }

  /** Moves on every invalidation; pass the value seen before a read to `set`. */
  get generation(): number {
    return this.#generation
  }

  /** The entry if it is still within grace; a fresh one also becomes the most recently used. */
  get(key: string, now: number): L1Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.graceEndsAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  /** Stores an entry, unless `since` is given and an invalidation happened after it. */
  set(key: string, entry: L1Entry, since?: number): void {
    if (since !== undefined && since !== this.#generation) return
    this.#entries.delete(key)
    if (sizeOf(key, entry) > this.#entries.maxSize) return
    this.#entries.set(key, { ...entry, payload: ownBytes(entry.payload) })
  }

  /** ADR-0020: a value as Redis holds it, kept unless an invalidation reached L1 since `since`. */
  keep(key: string, entry: CacheEntry, since: number | undefined): void {
    this.set(
      key,
      {
        payload: entry.payload,
        expiresAt: entry.expiresAt,
        graceEndsAt: entry.graceEndsAt,
        tags: entry.tags.map((stamp) => stamp.tag),
      },
      since,
    )
  }

  /** Invalidates one key. */
  delete(key: string): void {
    this.#generation++
    this.#entries.delete(key)
  }

  /** Forgets a copy Redis no longer has (not an invalidation: concurrent reads may still store). */
  discard(key: string): void {
    this.#entries.delete(key)
  }

  /** Drops every entry carrying one of the tags. */
  deleteTagged(tags: ReadonlySet<string>): void {
    this.#generation++
    const tagged: string[] = []
    for (const [key, entry] of this.#entries.entries()) {
      if (entry.tags.some((tag) => tags.has(tag))) tagged.push(key)
    }
    for (const key of tagged) this.#entries.delete(key)
  }

  clear(): void {
    this.#generation++
    this.#entries.clear()
  }
}

/**
 * A payload read from Redis is a view into the chunk the client read from its socket (redis-parser
 * slices bulk replies; a chunk holds every reply read with it, up to 64 KiB): holding the view
 * would hold the whole chunk, which no byte count sees. The L1 keeps a copy of exactly its bytes.
 */
function ownBytes(payload: Uint8Array): Uint8Array {
  return payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength
    ? payload
    : new Uint8Array(payload)
}

function sizeOf(key: string, entry: L1Entry): number {
  let size = ENTRY_OVERHEAD_BYTES + key.length * 2 + entry.payload.length
  for (const tag of entry.tags) size += tag.length * 2
  return size
}
