import { type BucketUnits, bucketUnits, ceilDiv } from './bucket-math.js'

/** One token bucket: `capacity` tokens at most, refilled continuously by `refill.tokens` per `refill.interval`. */
export interface LimitDefinition {
  /** Names the limit in `violated`, in the HTTP headers and in its key; `[A-Za-z0-9_-]`, unique per limiter. */
  name: string
  /** The burst: tokens a full bucket holds (a positive integer). */
  capacity: number
  /** The sustained rate: `tokens` (a positive integer) every `interval` (milliseconds or `'1s'`, `'1h'`). */
  refill: { tokens: number; interval: number | string }
}

/** A limit after validation, with the integer units its bucket is kept in. */
export interface ResolvedLimit extends BucketUnits {
  readonly name: string
  readonly capacity: number
  readonly refillTokens: number
  readonly intervalMs: number
  /** Milliseconds an empty bucket takes to fill: the longest TTL its key ever has. */
  readonly fillMs: number
  /**
   * Distinguishes buckets of the same name under different settings or stored formats: a deploy
   * that changes a limit, or the format of its state (`-v2`: one 16-byte string, ADR-0012), starts
   * from fresh (full) buckets instead of reading levels kept in other units or another encoding.
   */
  readonly signature: string
}

/** Resolves a validated limit; `undefined` when its bucket cannot be kept exactly (see `bucketUnits`). */
export function resolveLimit(
  name: string,
  capacity: number,
  refillTokens: number,
  intervalMs: number,
): ResolvedLimit | undefined {
  const units = bucketUnits(capacity, refillTokens, intervalMs)
  if (!units) return undefined
  return {
    ...units,
    name,
    capacity,
    refillTokens,
    intervalMs,
    fillMs: ceilDiv(ceilDiv(units.capacityUnits, units.refillPerUs), 1000),
    signature: `${capacity}-${refillTokens}-${intervalMs}-v2`,
  }
}
