import { describe, expect, it } from 'vitest'
import { costUnits } from './bucket-math.js'
import { type ResolvedLimit, resolveLimit } from './limit.js'
import { LocalBuckets, localShare } from './local-buckets.js'

const limit = (name: string, capacity: number, tokens: number, intervalMs: number): ResolvedLimit =>
  resolveLimit(name, capacity, tokens, intervalMs) ?? expect.unreachable()

function clock() {
  let now = 1_000_000
  return { now: () => now, advanceMs: (ms: number) => (now += ms * 1000) }
}

describe('localShare', () => {
  it('divides capacity and rate by the number of instances with the same integer units', () => {
    const share = localShare(limit('burst', 20, 10, 1_000), 4)
    expect(share.capacity).toBe(5)
    expect(share.capacityUnits).toBe(limit('burst', 20, 10, 1_000).capacityUnits)
    expect(costUnits(5, share)).toBe(share.capacityUnits)
  })
})

describe('LocalBuckets', () => {
  it('admits the local share, refills on the monotonic clock and refuses without consuming', () => {
    const time = clock()
    const limits = [localShare(limit('burst', 20, 10, 1_000), 2)]
    const buckets = new LocalBuckets(limits, 100, time.now)
    const one = limits.map((l) => costUnits(1, l))
    const admitted = Array.from({ length: 12 }, () => buckets.apply('s', 'consume', one)).filter(
      (o) => !o.refused,
    )
    expect(admitted).toHaveLength(10)
    const heavy = limits.map((l) => costUnits(3, l))
    time.advanceMs(200) // 5 per second locally: 1 token
    expect(buckets.apply('s', 'consume', heavy).refused).toBe(true)
    expect(buckets.apply('s', 'consume', one).refused).toBe(false)
    expect(buckets.apply('s', 'consume', one).refused).toBe(true)
  })

  it('checks several limits all-or-nothing', () => {
    const time = clock()
    const limits = [limit('burst', 5, 5, 1_000), limit('daily', 7, 7, 86_400_000)]
    const buckets = new LocalBuckets(limits, 100, time.now)
    const one = limits.map((l) => costUnits(1, l))
    for (let i = 0; i < 5; i++) expect(buckets.apply('s', 'consume', one).refused).toBe(false)
    time.advanceMs(1_000)
    expect(
      buckets.apply(
        's',
        'consume',
        limits.map((l) => costUnits(3, l)),
      ).refused,
    ).toBe(true)
    const after = buckets.apply('s', 'peek', one)
    // The daily bucket kept its 2 tokens and refilled for the one second that passed.
    const daily = limits[1] ?? expect.unreachable()
    expect(after.levels).toEqual([
      limits[0]?.capacityUnits,
      2 * daily.unitsPerToken + 1_000_000 * daily.refillPerUs,
    ])
  })

  it('refunds up to the capacity and forgets full subjects and the least recently used', () => {
    const time = clock()
    const limits = [limit('burst', 5, 1, 1_000)]
    const buckets = new LocalBuckets(limits, 2, time.now)
    const one = limits.map((l) => costUnits(1, l))
    buckets.apply('a', 'consume', one)
    buckets.apply('b', 'consume', one)
    buckets.apply('a', 'consume', one)
    buckets.apply('c', 'consume', one)
    expect(buckets.size).toBe(2)
    expect(buckets.apply('b', 'peek', one).levels).toEqual([limits[0]?.capacityUnits])
    buckets.apply(
      'c',
      'refund',
      limits.map((l) => costUnits(3, l)),
    )
    expect(buckets.size).toBe(1)
  })
})
