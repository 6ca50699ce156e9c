import { describe, expect, it } from 'vitest'
import { percentile } from './percentile.js'

describe('percentile', () => {
  it('is the nearest rank, whatever the order, and leaves the values as they were', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    expect(percentile(values, 0.5)).toBe(5)
    expect(percentile(values, 0.9)).toBe(9)
    expect(percentile(values, 0.99)).toBe(10)
    expect(percentile(values, 0)).toBe(1)
    expect(values[0]).toBe(5)
    expect(percentile(Float64Array.of(2.5), 0.99)).toBe(2.5)
    expect(percentile([], 0.5)).toBeNaN()
  })
})
