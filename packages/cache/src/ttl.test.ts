import { describe, expect, it } from 'vitest'
import { jitterTtl } from './ttl.js'

describe('jitterTtl', () => {
  it('shortens by at most the jitter fraction, never lengthens', () => {
    expect(jitterTtl(10_000, 0.1, () => 0)).toBe(10_000)
    expect(jitterTtl(10_000, 0.1, () => 0.999_999)).toBe(9_001)
    expect(jitterTtl(10_000, 0, () => 0.5)).toBe(10_000)
    for (let i = 0; i < 1_000; i++) {
      const ttl = jitterTtl(60_000, 0.2)
      expect(ttl).toBeGreaterThan(48_000)
      expect(ttl).toBeLessThanOrEqual(60_000)
    }
  })

  it('never goes below 1 ms', () => {
    expect(jitterTtl(1, 0.5, () => 0.99)).toBe(1)
  })
})
