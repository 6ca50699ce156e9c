import type { IdKeys } from './redis-store.js'

/** A snapshot of the queued invalidations, each with the sequence number it was queued at. */
export interface InvalidationBatch {
  readonly ids: ReadonlyMap<string, { readonly sequence: number; readonly keys: IdKeys }>
  readonly tags: ReadonlyMap<string, number>
  /** Invalidate the whole namespace (a `clear()` or an overflow): one epoch bump. 0: none. */
  readonly epoch: number
}

/**
 * Invalidations made while Redis was unavailable (ADR-0013, ADR-0020), kept until they can be
 * applied, so that no value from before the outage survives it. Bounded by `maxItems` keys plus
 * tags; on overflow it collapses into one namespace epoch bump, which invalidates everything
 * (the caller also drops L1). While an invalidation is pending, reads do not trust Redis for the
 * values it covers.
 */
export class PendingInvalidations {
  readonly #maxItems: number
  readonly #ids = new Map<string, { sequence: number; keys: IdKeys }>()
  readonly #tags = new Map<string, number>()
  #epoch = 0
  #sequence = 0

  constructor(maxItems: number) {
    this.#maxItems = maxItems
  }

  /** Number of queued items (an epoch bump counts as one). */
  get size(): number {
    return this.#ids.size + this.#tags.size + (this.#epoch > 0 ? 1 : 0)
  }

  /** Returns true when this overflowed the bound and collapsed into an epoch bump. */
  addIds(ids: Iterable<IdKeys>): boolean {
    if (this.#epoch > 0) return false
    for (const keys of ids) this.#ids.set(keys.value, { sequence: ++this.#sequence, keys })
    return this.#checkBound()
  }

  addTags(tags: Iterable<string>): boolean {
    if (this.#epoch > 0) return false
    for (const tag of tags) this.#tags.set(tag, ++this.#sequence)
    return this.#checkBound()
  }

  addEpoch(): void {
    this.#epoch = ++this.#sequence
    // An epoch bump invalidates every key and tag: nothing else needs replaying.
    this.#ids.clear()
    this.#tags.clear()
  }

  /** True when a pending invalidation covers a value with this key or these tags. */
  covers(key: string, tags: readonly string[]): boolean {
    if (this.#epoch > 0 || this.#ids.has(key)) return true
    return tags.some((tag) => this.#tags.has(tag))
  }

  /**
   * What is queued now. It stays queued (and keeps covering reads) until `acknowledge` says it
   * was applied; what is queued again meanwhile stays for the next replay.
   */
  snapshot(): InvalidationBatch {
    return { ids: new Map(this.#ids), tags: new Map(this.#tags), epoch: this.#epoch }
  }

  acknowledge(batch: InvalidationBatch): void {
    if (batch.epoch > 0 && batch.epoch === this.#epoch) this.#epoch = 0
    for (const [key, { sequence }] of batch.ids)
      if (this.#ids.get(key)?.sequence === sequence) this.#ids.delete(key)
    for (const [tag, sequence] of batch.tags) if (this.#tags.get(tag) === sequence) this.#tags.delete(tag)
  }

  #checkBound(): boolean {
    if (this.#ids.size + this.#tags.size <= this.#maxItems) return false
    this.addEpoch()
    return true
  }
}
