import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extensionDueAt, extensionRetryMs, leaseDeadline, leaseMarginMs, MIN_TTL_MS } from './lease-clock.js'

describe('lease clock', () => {
  it('puts the deadline a margin (1% + timer slack) before the lease ends', () => {
    expect(leaseMarginMs(30_000)).toBe(350)
    expect(leaseDeadline(1_000, 30_000)).toBe(1_000 + 30_000 - 350)
  })

  it('renews with a third of the lease left, before the deadline, for every accepted TTL', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.integer({ min: MIN_TTL_MS, max: 86_400_000 }),
        (sentAt, ttl) => {
          const due = extensionDueAt(sentAt, ttl)
          const deadline = leaseDeadline(sentAt, ttl)
          return due > sentAt && due < deadline && deadline < sentAt + ttl
        },
      ),
    )
  })

  it('retries a failed renewal several times before the deadline', () => {
    for (const ttl of [MIN_TTL_MS, 300, 1_000, 30_000, 300_000]) {
      const window = leaseDeadline(0, ttl) - extensionDueAt(0, ttl)
      expect(window / extensionRetryMs(ttl)).toBeGreaterThanOrEqual(0.5)
      expect(extensionRetryMs(ttl)).toBeLessThanOrEqual(1_000)
    }
  })
})
