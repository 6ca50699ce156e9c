// ADR-0012: a bucket is kept in integer "units" so that refill is exact on doubles. With a refill of
// `tokens` per `intervalMs`, one token is `unitsPerToken` units and the bucket gains `refillPerUs`
// units each microsecond, both reduced by their greatest common divisor. Every level, cost and
// product the Lua script and the local bucket compute stays an integer below 2^53.

/** The integer form of one token bucket, shared by the Lua script and the in-process bucket. */
export interface BucketUnits {
  /** Units that make one token. */
  readonly unitsPerToken: number
  /** Units the bucket gains per microsecond. */
  readonly refillPerUs: number
  /** Capacity in units (`capacity * unitsPerToken`). */
  readonly capacityUnits: number
}

function gcd(a: number, b: number): number {
  let x = a
  let y = b
  while (y !== 0) {
    const r = x % y
    x = y
    y = r
  }
  return x
}

/**
 * The units of a bucket of `capacity` tokens refilled by `tokens` every `intervalMs`, or
 * `undefined` when its capacity in units would not stay an exact integer (above 2^53).
 */
export function bucketUnits(capacity: number, tokens: number, intervalMs: number): BucketUnits | undefined {
  const intervalUs = intervalMs * 1000
  const divisor = gcd(intervalUs, tokens)
  const unitsPerToken = intervalUs / divisor
  const capacityUnits = capacity * unitsPerToken
  if (!Number.isSafeInteger(capacityUnits)) return undefined
  return { unitsPerToken, refillPerUs: tokens / divisor, capacityUnits }
}

/** Exact `ceil(a / b)` for non-negative safe integers (the float quotient can be one off). */
export function ceilDiv(a: number, b: number): number {
  let q = Math.floor(a / b)
  if (q * b < a) q += 1
  if (q > 0 && (q - 1) * b >= a) q -= 1
  return q
}

/** Exact `floor(a / b)` for non-negative safe integers. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b)
  if (q * b > a) q -= 1
  if ((q + 1) * b <= a) q += 1
  return q
}

/**
 * A cost in units, rounded up to the bucket's resolution (so a fractional cost is never
 * under-charged), ignoring the float noise of `cost * unitsPerToken` (0.1 * 3e6 is not 300000).
 */
export function costUnits(cost: number, units: BucketUnits): number {
  const exact = cost * units.unitsPerToken
  const nearest = Math.round(exact)
  return Math.abs(exact - nearest) <= 1e-9 * Math.max(1, exact) ? nearest : Math.ceil(exact)
}

/** A level refilled for `elapsedUs` (below zero counts as zero), capped at the capacity. */
export function refill(level: number, elapsedUs: number, units: BucketUnits): number {
  const refilled = level + Math.max(0, elapsedUs) * units.refillPerUs
  return Math.min(units.capacityUnits, refilled)
}

/** Whole tokens in a level (what `remaining` reports: a partial token cannot be spent alone). */
export function wholeTokens(level: number, units: BucketUnits): number {
  return floorDiv(level, units.unitsPerToken)
}

/** Microseconds until a level reaches `target` units (0 when it already has them). */
export function usUntil(level: number, target: number, units: BucketUnits): number {
  return target <= level ? 0 : ceilDiv(target - level, units.refillPerUs)
}

/** Milliseconds, rounded up, until a level reaches `target`: waiting that long is always enough. */
export function msUntil(level: number, target: number, units: BucketUnits): number {
  return ceilDiv(usUntil(level, target, units), 1000)
}
