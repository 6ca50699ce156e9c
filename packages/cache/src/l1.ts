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

// Fixed per-entry cost (key, object, map slot), so a flood of tiny values is bounded too.
const ENTRY_OVERHEAD_BYTES = 64

/**
 * The in-process tier (ADR-0020): least recently used first out, bounded by a count of entries AND
 * by bytes (key + payload + a fixed overhead). A JavaScript Map keeps insertion order, so reading
 * an entry re-inserts it at the young end and eviction takes from the old end.
 */
export class L1 {
  readonly #entries = new Map<string, L1Entry>()
  readonly #options: L1Options
  #bytes = 0

  constructor(options: L1Options) {
    this.#options = options
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  /** The entry if it is still within grace; a fresh one also becomes the most recently used. */
  get(key: string, now: number): L1Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.graceEndsAt <= now) {
      this.delete(key)
      return undefined
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry
  }

  set(key: string, entry: L1Entry): void {
    this.delete(key)
    const size = sizeOf(key, entry)
    if (size > this.#options.maxBytes) return
    this.#entries.set(key, entry)
    this.#bytes += size
    for (const [oldKey] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries && this.#bytes <= this.#options.maxBytes) break
      this.delete(oldKey)
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#bytes -= sizeOf(key, entry)
  }

  /** Drops every entry carrying one of the tags. */
  deleteTagged(tags: ReadonlySet<string>): void {
    for (const [key, entry] of this.#entries) {
      if (entry.tags.some((tag) => tags.has(tag))) this.delete(key)
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}

function sizeOf(key: string, entry: L1Entry): number {
  let size = ENTRY_OVERHEAD_BYTES + key.length * 2 + entry.payload.length
  for (const tag of entry.tags) size += tag.length * 2
  return size
}
