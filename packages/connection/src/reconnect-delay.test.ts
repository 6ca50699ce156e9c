import { describe, expect, it } from 'vitest'
import { RECONNECT_MAX_DELAY_MS, reconnectDelayMs } from './reconnect-delay.js'

describe('reconnectDelayMs', () => {
  it('grows exponentially from 50 ms and is capped at 2 s', () => {
    const ceiling = (attempt: number) => reconnectDelayMs(attempt, () => 1)
    expect([1, 2, 3, 4, 5, 6, 7].map(ceiling)).toEqual([50, 100, 200, 400, 800, 1600, 2000])
    expect(ceiling(1_000_000)).toBe(RECONNECT_MAX_DELAY_MS)
  })

  it('jitters within the upper half of the ceiling', () => {
    expect(reconnectDelayMs(7, () => 0)).toBe(1000)
    expect(reconnectDelayMs(7, () => 0.5)).toBe(1500)
  })

  it('always returns a number, so the client never gives up', () => {
    for (const attempt of [0, 1, 10, 100, Number.MAX_SAFE_INTEGER]) {
      expect(Number.isFinite(reconnectDelayMs(attempt))).toBe(true)
    }
  })
})
