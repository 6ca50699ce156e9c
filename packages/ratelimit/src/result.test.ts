import { describe, expect, it } from 'vitest'
import { costUnits } from './bucket-math.js'
import { type ResolvedLimit, resolveLimit } from './limit.js'
import { blanketResult, decide } from './result.js'

const burst = resolveLimit('burst', 20, 10, 1_000) as ResolvedLimit
const hourly = resolveLimit('hourly', 1_000, 1_000, 3_600_000) as ResolvedLimit
const limits = [burst, hourly]
const costs = limits.map((limit) => costUnits(1, limit))

describe('decide', () => {
  it('reports the limit with the fewest tokens left when allowed', () => {
    const { result } = decide(limits, costs, { refused: false, levels: [burst.unitsPerToken * 7, 0] }, false)
    expect(result).toMatchObject({ allowed: true, limit: 1_000, remaining: 0, retryAfterMs: 0, violated: [] })
    expect(result.limits[0]).toMatchObject({
      name: 'burst',
      remaining: 7,
      resetMs: 1_300,
      nextTokenMs: 100,
      windowMs: 2_000,
    })
    expect(result.limits[1]).toMatchObject({
      name: 'hourly',
      remaining: 0,
      resetMs: 3_600_000,
      nextTokenMs: 3_600,
    })
  })

  it('names every violated limit and waits for the slowest, rounding up', () => {
    const levels = [burst.unitsPerToken / 2 - 1, hourly.unitsPerToken - 1]
    const { result, retryAfterUs } = decide(limits, costs, { refused: true, levels }, false)
    expect(result.allowed).toBe(false)
    expect(result.violated).toEqual(['burst', 'hourly'])
    expect(retryAfterUs).toBe(50_001)
    expect(result.retryAfterMs).toBe(51)
    expect(result.limit).toBe(20)
  })

  it('counts the effective window to the next whole token, or to full when none fits', () => {
    const half = burst.unitsPerToken / 2
    const { result } = decide([burst], [costs[0] ?? 0], { refused: false, levels: [half] }, false)
    expect(result.limits[0]).toMatchObject({ remaining: 0, nextTokenMs: 50 })
    const full = decide([burst], [costs[0] ?? 0], { refused: false, levels: [burst.capacityUnits] }, false)
    expect(full.result.limits[0]).toMatchObject({ remaining: 20, nextTokenMs: 0, resetMs: 0 })
  })

  it('does not count a limit that has enough tokens as violated', () => {
    const levels = [0, hourly.capacityUnits]
    const { result } = decide(limits, costs, { refused: true, levels }, false)
    expect(result.violated).toEqual(['burst'])
    expect(result.limits[1]?.violated).toBe(false)
  })
})

describe('blanketResult', () => {
  it('admits or refuses every limit and says why', () => {
    const open = blanketResult(limits, true, 1_000, {
      mode: 'fail-open',
      reason: 'open',
      outcome: 'not-applied',
    })
    expect(open).toMatchObject({ allowed: true, remaining: 20, retryAfterMs: 0, violated: [] })
    const closed = blanketResult(limits, false, 1_000, {
      mode: 'fail-closed',
      reason: 'timeout',
      outcome: 'unknown',
    })
    expect(closed).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterMs: 1_000,
      violated: ['burst', 'hourly'],
    })
    expect(closed.degraded).toEqual({ mode: 'fail-closed', reason: 'timeout', outcome: 'unknown' })
  })
})
