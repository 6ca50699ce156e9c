import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fullJitterDelay } from './backoff.js'

describe('fullJitterDelay', () => {
  const policy = { baseMs: 10, maxMs: 500 }

  it('spans [0, base * 2^attempt], capped at max', () => {
    expect(fullJitterDelay(0, policy, () => 0)).toBe(0)
    expect(fullJitterDelay(0, policy, () => 0.999_999)).toBe(10)
    expect(fullJitterDelay(3, policy, () => 0.999_999)).toBe(80)
    expect(fullJitterDelay(20, policy, () => 0.999_999)).toBe(500)
    expect(fullJitterDelay(10_000, policy, () => 0.999_999)).toBe(500)
  })

  it('stays an integer within its bounds for any attempt and draw', () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const delay = fullJitterDelay(attempt, policy, () => draw)
          return (
            Number.isInteger(delay) && delay >= 0 && delay <= Math.min(500, 10 * 2 ** Math.min(attempt, 30))
          )
        },
      ),
    )
  })
})
