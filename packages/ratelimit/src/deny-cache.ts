import { LRUCache } from 'lru-cache'
import type { RateLimitResult } from './result.js'

interface DenyEntry {
  /** `performance.now()` until which the subject is refused. */
  readonly untilMs: number
  /** The refused cost: a request costing at least this much is refused too; a cheaper one may pass. */
  readonly cost: number
  /** The denial as Redis decided it, with `performance.now()` when the request was sent. */
  readonly result: RateLimitResult
  readonly sentAtMs: number
}

/**
 * ADR-0012: a bounded, in-process memory of recent denials. A subject refused until T (Redis time,
 * counted from when the refused request was sent, so never later than T) is refused locally until T
 * without a Redis call. The least recently used go first when full (`lru-cache`); a refund or
 * reset forgets the subject.
 */
export class DenyCache {
  readonly #entries: LRUCache<string, DenyEntry>

  constructor(maxEntries: number) {
    this.#entries = new LRUCache<string, DenyEntry>({ max: maxEntries })
  }

  get size(): number {
    return this.#entries.size
  }

  /**
   * Remembers a denial. `sentAtMs` is `performance.now()` before the request went to Redis and
   * `retryAfterUs` the exact wait Redis computed, so the entry ends no later than Redis would admit.
   */
  remember(
    subject: string,
    cost: number,
    result: RateLimitResult,
    sentAtMs: number,
    retryAfterUs: number,
  ): void {
    this.#entries.set(subject, { untilMs: sentAtMs + retryAfterUs / 1000, cost, result, sentAtMs })
  }

  /** The cached denial of a request of `cost`, with its waits counted down, or `undefined`. */
  check(subject: string, cost: number, nowMs: number): RateLimitResult | undefined {
    const entry = this.#entries.get(subject)
    if (!entry) return undefined
    if (nowMs >= entry.untilMs) {
      this.#entries.delete(subject)
      return undefined
    }
    if (cost < entry.cost) return undefined
    const elapsedMs = nowMs - entry.sentAtMs
    const countDown = (ms: number) => Math.max(0, Math.ceil(ms - elapsedMs))
    const limits = entry.result.limits.map((status) => ({
      ...status,
      resetMs: countDown(status.resetMs),
      nextTokenMs: countDown(status.nextTokenMs),
      retryAfterMs: status.violated ? Math.max(1, countDown(status.retryAfterMs)) : 0,
    }))
    const { blocked } = entry.result
    return {
      ...entry.result,
      resetMs: countDown(entry.result.resetMs),
      retryAfterMs: Math.max(1, countDown(entry.result.retryAfterMs)),
      blocked: blocked && { kind: blocked.kind, ms: Math.max(1, countDown(blocked.ms)) },
      limits,
    }
  }

  forget(subject: string): void {
    this.#entries.delete(subject)
  }

  clear(): void {
    this.#entries.clear()
  }
}
