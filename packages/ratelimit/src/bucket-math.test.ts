import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bucketUnits,
  ceilDiv,
  costUnits,
  floorDiv,
  msUntil,
  refill,
  usUntil,
  wholeTokens,
} from './bucket-math.js'

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const positive = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })

describe('integer division', () => {
  it('ceilDiv and floorDiv are exact for every safe integer pair', () => {
    fc.assert(
      fc.property(safe, positive, (a, b) => {
        const big = (x: number) => BigInt(x)
        const floor = big(a) / big(b)
        const ceil = floor + (floor * big(b) < big(a) ? 1n : 0n)
        expect(BigInt(floorDiv(a, b))).toBe(floor)
        expect(BigInt(ceilDiv(a, b))).toBe(ceil)
      }),
      { numRuns: 5_000 },
    )
  })

  it('handles quotients the float division rounds to the wrong integer', () => {
    const a = 2 ** 53 - 1
    expect(BigInt(ceilDiv(a, 3))).toBe((BigInt(a) + 2n) / 3n)
    expect(floorDiv(9_007_199_254_740_990, 9_007_199_254_740_991)).toBe(0)
    expect(ceilDiv(9_007_199_254_740_990, 9_007_199_254_740_991)).toBe(1)
  })
})

describe('bucketUnits', () => {
  it('reduces tokens per interval to integer units', () => {
    // 10 per second: 1 token = 100 000 units, 1 unit per microsecond.
    expect(bucketUnits(20, 10, 1_000)).toEqual({
      unitsPerToken: 100_000,
      refillPerUs: 1,
      capacityUnits: 2_000_000,
    })
    // 1000 per hour: 1 token = 3 600 000 units.
    expect(bucketUnits(1_000, 1_000, 3_600_000)).toEqual({
      unitsPerToken: 3_600_000,
      refillPerUs: 1,
      capacityUnits: 3_600_000_000,
    })
    // 3 per 7 ms keeps the exact rational rate.
    expect(bucketUnits(5, 3, 7)).toEqual({ unitsPerToken: 7_000, refillPerUs: 3, capacityUnits: 35_000 })
  })

  it('refuses a bucket whose capacity in units is not a safe integer', () => {
    expect(bucketUnits(2 ** 40, 1, 86_400_000)).toBeUndefined()
  })
})

describe('refill and waits', () => {
  const units = bucketUnits(10, 3, 1_000) ?? expect.unreachable()

  it('refills continuously and caps at the capacity; time going backwards adds nothing', () => {
    expect(refill(0, 1, units)).toBe(3)
    expect(refill(0, 1_000_000, units)).toBe(3 * units.unitsPerToken)
    expect(refill(units.capacityUnits - 1, 1_000_000, units)).toBe(units.capacityUnits)
    expect(refill(500, -5_000_000, units)).toBe(500)
  })

  it('never drifts: refilling in many small steps equals one step', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 200 }), (steps) => {
        const total = steps.reduce((sum, step) => sum + step, 0)
        const stepwise = steps.reduce((level, step) => refill(level, step, units), 0)
        expect(stepwise).toBe(refill(0, total, units))
      }),
    )
  })

  it('a client waiting msUntil(...) is then admitted, and one microsecond less is not enough', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (capacity, tokens, intervalMs, fill, share) => {
          const u = bucketUnits(capacity, tokens, intervalMs)
          if (!u) return
          const level = Math.floor(u.capacityUnits * fill)
          const cost = costUnits(capacity * share, u)
          const waitUs = usUntil(level, cost, u)
          expect(refill(level, msUntil(level, cost, u) * 1000, u)).toBeGreaterThanOrEqual(cost)
          expect(refill(level, waitUs, u)).toBeGreaterThanOrEqual(cost)
          if (waitUs > 0) expect(refill(level, waitUs - 1, u)).toBeLessThan(cost)
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('counts whole tokens only', () => {
    expect(wholeTokens(units.unitsPerToken * 2 - 1, units)).toBe(1)
    expect(wholeTokens(units.unitsPerToken * 2, units)).toBe(2)
  })
})

describe('costUnits', () => {
  const units = bucketUnits(100, 1, 3_000) ?? expect.unreachable()

  it('is exact for whole and float-noisy costs and rounds a finer fraction up', () => {
    expect(costUnits(2, units)).toBe(6_000_000)
    expect(costUnits(0.1, units)).toBe(300_000)
    expect(costUnits(1 / 7, units)).toBe(Math.ceil(3_000_000 / 7))
  })
})
