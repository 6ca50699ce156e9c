import { describe, expect, it } from 'vitest'
import { bytes, duration, show, text } from './cell-values.mjs'

describe('cell readers', () => {
  it('reads durations written for people', () => {
    expect(duration('5m')).toEqual({ value: 300_000 })
    expect(duration('`1h30m`')).toEqual({ value: 5_400_000 })
    expect(duration('30 s')).toEqual({ value: 30_000 })
    expect(duration('15 min')).toEqual({ value: 900_000 })
    expect(duration('250ms')).toEqual({ value: 250 })
    expect(duration('7d')).toEqual({ value: 604_800_000 })
  })

  it('reads an empty marker as null and rejects what it cannot read', () => {
    for (const cell of ['-', '—', 'none', '']) expect(duration(cell)).toEqual({ value: null })
    expect(duration('300').error).toMatch(/cannot read "300" as a duration/)
    expect(duration('5 minutes').error).toMatch(/as a duration/)
    expect(duration('5m later').error).toMatch(/as a duration/)
  })

  it('reads byte sizes in binary units only', () => {
    expect(bytes('64 MiB')).toEqual({ value: 64 * 1024 * 1024 })
    expect(bytes('512KiB')).toEqual({ value: 512 * 1024 })
    expect(bytes('-')).toEqual({ value: null })
    expect(bytes('64 MB').error).toMatch(/cannot read "64 MB" as a byte size/)
  })

  it('reads text as written, without formatting', () => {
    expect(text('`cache:query`')).toEqual({ value: 'cache:query' })
  })

  it('shows values with their unit', () => {
    expect(show(300_000, duration)).toBe('300000 ms')
    expect(show(null, bytes)).toBe('-')
    expect(show('safe', text)).toBe('"safe"')
  })
})
