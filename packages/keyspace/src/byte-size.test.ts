import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatByteSize, parseByteSize } from './byte-size.js'

describe('byte sizes', () => {
  it.each([
    ['256 MiB', 268_435_456],
    ['1 GiB', 1_073_741_824],
    ['512 B', 512],
    ['1.5 KiB', 1_536],
    ['10MiB', 10_485_760],
  ])('reads %s', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes)
  })

  it.each(['256 MB', '256', 'MiB', '-1 MiB', ''])('rejects %j with E_INVALID_BYTE_SIZE', (text) => {
    expect(() => parseByteSize(text)).toThrow(expect.objectContaining({ code: 'E_INVALID_BYTE_SIZE' }))
  })

  it('formats in the largest exact unit', () => {
    expect(formatByteSize(268_435_456)).toBe('256 MiB')
    expect(formatByteSize(1_536)).toBe('1536 B')
    expect(formatByteSize(0)).toBe('0 B')
    expect(() => formatByteSize(-1)).toThrow(expect.objectContaining({ code: 'E_INVALID_BYTE_SIZE' }))
  })

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 50 }), (bytes) => parseByteSize(formatByteSize(bytes)) === bytes),
    )
  })
})
