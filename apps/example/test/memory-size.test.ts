import { describe, expect, it } from 'vitest'
import { formatMemory } from '../public/memory-size.js'

describe('formatMemory', () => {
  it('uses the largest binary unit, one decimal unless exact', () => {
    expect(formatMemory(0)).toBe('0 B')
    expect(formatMemory(1023)).toBe('1023 B')
    expect(formatMemory(1536)).toBe('1.5 KiB')
    expect(formatMemory(256 * 1024 ** 2)).toBe('256 MiB')
    expect(formatMemory(1_100_000)).toBe('1.0 MiB')
    expect(formatMemory(3 * 1024 ** 5)).toBe('3072 TiB')
  })
})
