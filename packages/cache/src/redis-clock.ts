import { type RedisStore, UNAVAILABLE } from './redis-store.js'

/** Past this age a sample is replaced in the background; past MAX_AGE_MS it is waited for. */
const REFRESH_MS = 100
const MAX_AGE_MS = 500

/**
 * Issue 19 (ADR-0020, "The loader's say"): a moment no later than now on Redis's clock, without a
 * round trip per call. A TIME reply was taken before it arrived, so the last one stands for "now"
 * in the safe direction (earlier); a new one is asked for in the background once the last is
 * REFRESH_MS old, and waited for only when none is younger than MAX_AGE_MS. One request at a time.
 */
export class RedisClock {
  readonly #store: RedisStore
  #sample: { readonly micros: number; readonly sentAt: number } | undefined
  #pending: Promise<number | undefined> | undefined

  constructor(store: RedisStore) {
    this.#store = store
  }

  /** Microseconds on Redis's clock at or before now; undefined while Redis does not answer. */
  notAfterNow(): Promise<number | undefined> {
    const sample = this.#sample
    const age = sample === undefined ? Number.POSITIVE_INFINITY : performance.now() - sample.sentAt
    if (age < REFRESH_MS) return Promise.resolve(sample?.micros)
    const refreshing = this.#refresh()
    return age < MAX_AGE_MS ? Promise.resolve(sample?.micros) : refreshing
  }

  #refresh(): Promise<number | undefined> {
    if (this.#pending !== undefined) return this.#pending
    const sentAt = performance.now()
    const pending = this.#store.time().then((micros) => {
      this.#pending = undefined
      if (micros === UNAVAILABLE) return undefined
      this.#sample = { micros, sentAt }
      return micros
    })
    this.#pending = pending
    return pending
  }
}
