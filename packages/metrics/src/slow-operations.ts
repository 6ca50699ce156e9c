/** One Redis operation that took at least the slow-operation threshold. */
export interface SlowOperation {
  /** The bounded operation name (`cache.get`, `lock.acquire`...), never a key. */
  readonly operation: string
  readonly durationMs: number
  /** When it finished, epoch milliseconds. */
  readonly at: number
  /** How it ended (`ok`, `failure`, `timeout`...), when known. */
  readonly outcome?: string
}

/**
 * The last `capacity` slow Redis operations, in a fixed-size ring buffer: recording is O(1) and
 * memory stays bounded however many slow operations there are. The monitoring report reads it.
 */
export class SlowOperationLog {
  readonly thresholdMs: number
  readonly capacity: number
  readonly #entries: (SlowOperation | undefined)[]
  #next = 0
  #size = 0
  #total = 0

  constructor(options: { thresholdMs: number; capacity: number }) {
    if (!Number.isFinite(options.thresholdMs) || options.thresholdMs < 0) {
      throw new RangeError(
        `slow-operation thresholdMs must be a finite number >= 0, got ${String(options.thresholdMs)}`,
      )
    }
    if (!Number.isInteger(options.capacity) || options.capacity < 1 || options.capacity > 100_000) {
      throw new RangeError(
        `slow-operation capacity must be an integer from 1 to 100000, got ${String(options.capacity)}`,
      )
    }
    this.thresholdMs = options.thresholdMs
    this.capacity = options.capacity
    this.#entries = new Array<SlowOperation | undefined>(options.capacity).fill(undefined)
  }

  /** Stores an operation, overwriting the oldest one when full. The caller decides it is slow. */
  record(entry: SlowOperation): void {
    this.#entries[this.#next] = Object.freeze({ ...entry })
    this.#next = (this.#next + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
    this.#total++
  }

  /** The retained slow operations, newest first (at most `capacity`). */
  recent(): SlowOperation[] {
    const out: SlowOperation[] = []
    for (let i = 1; i <= this.#size; i++) {
      const entry = this.#entries[(this.#next - i + this.capacity) % this.capacity]
      if (entry) out.push(entry)
    }
    return out
  }

  /** How many are retained now. */
  get size(): number {
    return this.#size
  }

  /** How many were recorded since creation (or the last `clear()`), retained or not. */
  get total(): number {
    return this.#total
  }

  clear(): void {
    this.#entries.fill(undefined)
    this.#next = 0
    this.#size = 0
    this.#total = 0
  }
}
