import { describe, expect, it } from 'vitest'
import { SlowOperationLog } from './slow-operations.js'

describe('SlowOperationLog', () => {
  it('keeps the last `capacity` entries, newest first', () => {
    const log = new SlowOperationLog({ thresholdMs: 10, capacity: 3 })
    for (let i = 1; i <= 5; i++) log.record({ operation: `op${i}`, durationMs: 10 + i, at: i })
    expect(log.size).toBe(3)
    expect(log.total).toBe(5)
    expect(log.recent().map((entry) => entry.operation)).toEqual(['op5', 'op4', 'op3'])
  })

  it('returns fewer entries before it is full, and nothing after clear()', () => {
    const log = new SlowOperationLog({ thresholdMs: 10, capacity: 4 })
    log.record({ operation: 'a', durationMs: 12, at: 1 })
    log.record({ operation: 'b', durationMs: 30, at: 2, outcome: 'timeout' })
    expect(log.recent()).toEqual([
      { operation: 'b', durationMs: 30, at: 2, outcome: 'timeout' },
      { operation: 'a', durationMs: 12, at: 1 },
    ])
    log.clear()
    expect(log.recent()).toEqual([])
    expect(log.size).toBe(0)
    expect(log.total).toBe(0)
  })

  it('stores copies that the caller cannot change afterwards', () => {
    const log = new SlowOperationLog({ thresholdMs: 10, capacity: 2 })
    const entry = { operation: 'a', durationMs: 12, at: 1 }
    log.record(entry)
    entry.operation = 'changed'
    expect(log.recent()[0]?.operation).toBe('a')
    expect(Object.isFrozen(log.recent()[0])).toBe(true)
  })

  it('rejects a bad threshold or capacity', () => {
    expect(() => new SlowOperationLog({ thresholdMs: -1, capacity: 2 })).toThrow(RangeError)
    expect(() => new SlowOperationLog({ thresholdMs: Number.NaN, capacity: 2 })).toThrow(/thresholdMs/)
    expect(() => new SlowOperationLog({ thresholdMs: 10, capacity: 0 })).toThrow(/capacity/)
    expect(() => new SlowOperationLog({ thresholdMs: 10, capacity: 1.5 })).toThrow(/capacity/)
  })
})
