import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.js'
import { isRedlayerError } from './errors.js'

describe('parseDuration', () => {
  it.each([
    [250, 250],
    [0, 0],
    [1.4, 1],
    ['250', 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    [' 2m ', 120_000],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '', '5 minutes', 'm5', '-5m', '5mm', '1e3s', '5M'])(
    'rejects %j with E_INVALID_DURATION',
    (input) => {
      let caught: unknown
      try {
        parseDuration(input)
      } catch (error) {
        caught = error
      }
      expect(isRedlayerError(caught, 'E_INVALID_DURATION')).toBe(true)
    },
  )

  it('rejects values that are not numbers or strings', () => {
    expect(() => parseDuration(null as unknown as string)).toThrow(/invalid duration/)
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [1_500, '1s500ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips through parseDuration', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 40 }), (ms) => parseDuration(formatDuration(ms)) === ms))
  })

  it('rejects negative and fractional input', () => {
    expect(() => formatDuration(-1)).toThrow(/invalid duration/)
    expect(() => formatDuration(1.5)).toThrow(/invalid duration/)
  })
})
