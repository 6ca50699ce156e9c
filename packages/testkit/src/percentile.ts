/**
 * The nearest-rank percentile of `values` (any order; not changed), `q` in [0, 1]: the smallest
 * value with at least `q` of the values at or below it. NaN for no values. One definition for
 * every latency figure of the tests and the bench.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}
