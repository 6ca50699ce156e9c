import { describe, expect, it } from 'vitest'
import { EvictionTracker } from './eviction-tracker.js'

const minute = 60_000

describe('EvictionTracker', () => {
  it('reports evictions since the oldest sample within the window', () => {
    const tracker = new EvictionTracker(5 * minute)
    expect(tracker.observe(100, 0)).toBe(0)
    expect(tracker.observe(104, 1 * minute)).toBe(4)
    expect(tracker.observe(110, 4 * minute)).toBe(10)
    // The sample at 0 is now older than the window; the one at 1 min is the start.
    expect(tracker.observe(110, 7 * minute)).toBe(6)
    expect(tracker.observe(110, 13 * minute)).toBe(0)
  })

  it('starts over when the counter goes down (a restarted server)', () => {
    const tracker = new EvictionTracker(5 * minute)
    tracker.observe(500, 0)
    expect(tracker.observe(3, minute)).toBe(0)
    expect(tracker.observe(5, 2 * minute)).toBe(2)
  })

  it('stays bounded however often it is asked', () => {
    const tracker = new EvictionTracker(5 * minute)
    for (let i = 0; i < 5_000; i++) tracker.observe(i, i)
    expect(tracker.observe(5_000, 5_000)).toBe(5_000)
  })
})
