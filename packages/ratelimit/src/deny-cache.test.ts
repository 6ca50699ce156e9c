import { describe, expect, it } from 'vitest'
import { DenyCache } from './deny-cache.js'
import type { RateLimitResult } from './result.js'

const denial: RateLimitResult = {
  allowed: false,
  limit: 10,
  remaining: 0,
  resetMs: 5_000,
  retryAfterMs: 500,
  violated: ['burst'],
  blocked: false,
  degraded: false,
  limits: [
    {
      name: 'burst',
      capacity: 10,
      windowMs: 5_000,
      remaining: 0,
      resetMs: 5_000,
      nextTokenMs: 500,
      retryAfterMs: 500,
      violated: true,
    },
  ],
}

describe('DenyCache', () => {
  it('denies until the exact wait counted from when the request was sent, never longer', () => {
    const cache = new DenyCache(10)
    cache.remember('a', 1, denial, 1_000, 499_600)
    expect(cache.check('a', 1, 1_000)).toMatchObject({ allowed: false, retryAfterMs: 500 })
    expect(cache.check('a', 1, 1_300)).toMatchObject({ retryAfterMs: 200, resetMs: 4_700 })
    expect(cache.check('a', 1, 1_300)?.limits[0]).toMatchObject({ nextTokenMs: 200, retryAfterMs: 200 })
    expect(cache.check('a', 1, 1_499.5)?.retryAfterMs).toBe(1)
    expect(cache.check('a', 1, 1_499.6)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('answers requests costing at least the refused cost only', () => {
    const cache = new DenyCache(10)
    cache.remember('a', 5, denial, 0, 500_000)
    expect(cache.check('a', 5, 10)).toBeDefined()
    expect(cache.check('a', 8, 10)).toBeDefined()
    expect(cache.check('a', 4.5, 10)).toBeUndefined()
    expect(cache.check('b', 5, 10)).toBeUndefined()
  })

  it('keeps at most maxEntries subjects, forgetting the oldest first', () => {
    const cache = new DenyCache(3)
    for (const subject of ['a', 'b', 'c', 'd']) cache.remember(subject, 1, denial, 0, 500_000)
    expect(cache.size).toBe(3)
    expect(cache.check('a', 1, 1)).toBeUndefined()
    expect(cache.check('d', 1, 1)).toBeDefined()
    cache.remember('b', 1, denial, 0, 500_000)
    cache.remember('e', 1, denial, 0, 500_000)
    expect(cache.check('c', 1, 1)).toBeUndefined()
    expect(cache.check('b', 1, 1)).toBeDefined()
  })

  it('forgets a subject on request (refund, reset)', () => {
    const cache = new DenyCache(3)
    cache.remember('a', 1, denial, 0, 500_000)
    cache.forget('a')
    expect(cache.check('a', 1, 1)).toBeUndefined()
  })
})
