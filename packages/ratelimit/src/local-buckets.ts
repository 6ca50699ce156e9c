import { performance } from 'node:perf_hooks'
import { LRUCache } from 'lru-cache'
import { refill } from './bucket-math.js'
import type { ResolvedLimit } from './limit.js'
import type { BucketOutcome } from './result.js'

/**
 * ADR-0013: a limit for the `local-fallback` mode, the share of one of `instances` processes: the same
 * integer units with `instances` times more units per token, which divides both the capacity and
 * the refill rate by `instances` and keeps the arithmetic exact.
 */
export function localShare(limit: ResolvedLimit, instances: number): ResolvedLimit {
  return { ...limit, capacity: limit.capacity / instances, unitsPerToken: limit.unitsPerToken * instances }
}

interface LocalState {
  levels: number[]
  atUs: number
}

/**
 * The in-process buckets of the `local-fallback` mode: the same algorithm as the Lua script, on the
 * process's monotonic clock (never `Date.now()`), for at most `maxSubjects` subjects (the least
 * recently used is forgotten first, `lru-cache`; a forgotten subject starts again from full
 * buckets).
 */
export class LocalBuckets {
  readonly #limits: readonly ResolvedLimit[]
  readonly #subjects: LRUCache<string, LocalState>
  readonly #now: () => number

  constructor(limits: readonly ResolvedLimit[], maxSubjects: number, nowUs: () => number = monotonicUs) {
    this.#limits = limits
    this.#subjects = new LRUCache<string, LocalState>({ max: maxSubjects })
    this.#now = nowUs
  }

  get size(): number {
    return this.#subjects.size
  }

  /** Mirrors the script's `consume`, `peek` and `refund` on the local share of each limit. */
  apply(subject: string, operation: 'consume' | 'peek' | 'refund', costs: readonly number[]): BucketOutcome {
    const now = this.#now()
    const state = this.#subjects.get(subject)
    const levels = this.#limits.map((limit, i) =>
      state ? refill(state.levels[i] ?? limit.capacityUnits, now - state.atUs, limit) : limit.capacityUnits,
    )
    const short = () => levels.some((level, i) => level < (costs[i] ?? 0))
    let refused = short()
    if (operation === 'consume' && !refused) {
      levels.forEach((level, i) => {
        levels[i] = level - (costs[i] ?? 0)
      })
    } else if (operation === 'refund') {
      levels.forEach((level, i) => {
        levels[i] = Math.min(this.#limits[i]?.capacityUnits ?? level, level + (costs[i] ?? 0))
      })
      refused = short()
    }
    const full = levels.every((level, i) => level >= (this.#limits[i]?.capacityUnits ?? 0))
    // A full bucket is what a forgotten subject starts from: it needs no entry.
    if (full) this.#subjects.delete(subject)
    else this.#subjects.set(subject, { levels, atUs: now })
    return { refused, levels }
  }

  reset(subject: string): void {
    this.#subjects.delete(subject)
  }
}

function monotonicUs(): number {
  return Math.floor(performance.now() * 1000)
}
