import { isRedlayerError } from '@redlayer/connection'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hostileString, keyPart, longString } from '../test/support/hostile-strings.js'
import {
  DEFAULT_MAX_PART_LENGTH,
  decodePart,
  encodePart,
  isEncodedPart,
  isHashedPart,
  partText,
} from './part-encoding.js'

// Nothing a key separator, a hash tag, a SCAN glob, whitespace or a control character: printable
// ASCII minus `:`, braces, `* ? [ ] \` and space.
const SAFE = /^[!-~]+$/
const FORBIDDEN = /[:{}*?[\]\\\s]/

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isRedlayerError(error) ? error.code : 'not a RedlayerError'
  }
  return undefined
}

describe('encodePart', () => {
  it('leaves common ids readable', () => {
    expect(encodePart('user-42_v1.json')).toBe('user-42_v1.json')
    expect(encodePart(42)).toBe('42')
    expect(encodePart(-7)).toBe('-7')
    expect(encodePart(12345678901234567890n)).toBe('12345678901234567890')
  })

  it('escapes separators, globs, braces, whitespace and unicode', () => {
    expect(encodePart('a:b')).toBe('a%3Ab')
    expect(encodePart('{x}')).toBe('%7Bx%7D')
    expect(encodePart('*?[]\\')).toBe('%2A%3F%5B%5D%5C')
    expect(encodePart(' \r\n')).toBe('%20%0D%0A')
    expect(encodePart('é')).toBe('%C3%A9')
    expect(encodePart('😀')).toBe('%F0%9F%98%80')
    expect(encodePart('%~#')).toBe('%25%7E%23')
  })

  it('encodes the empty string as ~, which nothing else encodes to', () => {
    expect(encodePart('')).toBe('~')
    expect(encodePart('~')).not.toBe('~')
  })

  it('keeps lone surrogates apart from U+FFFD and from each other (WTF-8)', () => {
    const parts = ['\ud800', '\udc00', '\ufffd', '\ud800\udc00']
    expect(new Set(parts.map((p) => encodePart(p))).size).toBe(parts.length)
  })

  it('treats a number and its decimal string as one part', () => {
    expect(encodePart(42)).toBe(encodePart('42'))
    expect(encodePart(-0)).toBe('0')
    expect(partText(1.5)).toBe('1.5')
  })

  it('rejects non-finite numbers and other types with E_INVALID_KEY_PART', () => {
    expect(code(() => encodePart(Number.NaN))).toBe('E_INVALID_KEY_PART')
    expect(code(() => encodePart(Number.POSITIVE_INFINITY))).toBe('E_INVALID_KEY_PART')
    expect(code(() => encodePart(null as unknown as string))).toBe('E_INVALID_KEY_PART')
    expect(code(() => encodePart({} as unknown as string))).toBe('E_INVALID_KEY_PART')
  })

  it('hashes a part whose encoding is longer than the limit', () => {
    const long = 'a'.repeat(DEFAULT_MAX_PART_LENGTH + 1)
    const hashed = encodePart(long)
    expect(isHashedPart(hashed)).toBe(true)
    expect(hashed).toMatch(/^#[A-Za-z0-9_-]{43}$/)
    expect(encodePart('a'.repeat(DEFAULT_MAX_PART_LENGTH))).toBe('a'.repeat(DEFAULT_MAX_PART_LENGTH))
    // The limit applies to the encoded length: 100 colons encode to 300 characters.
    expect(isHashedPart(encodePart(':'.repeat(100)))).toBe(true)
    expect(encodePart(long, 1_000)).toBe(long)
  })

  it('property: output is non-empty, printable ASCII, free of separators, braces, globs and spaces', () => {
    fc.assert(
      fc.property(fc.oneof(keyPart, longString), (part) => {
        const encoded = encodePart(part)
        return SAFE.test(encoded) && !FORBIDDEN.test(encoded) && isEncodedPart(encoded)
      }),
      { numRuns: 2_000 },
    )
  })

  it('property: injective (different parts never share an encoding)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, longString), fc.oneof(hostileString, longString), (a, b) => {
        fc.pre(a !== b)
        return encodePart(a) !== encodePart(b)
      }),
      { numRuns: 2_000 },
    )
  })

  it('property: bounded length', () => {
    fc.assert(
      fc.property(
        fc.oneof(keyPart, longString),
        (part) => encodePart(part).length <= DEFAULT_MAX_PART_LENGTH,
      ),
      { numRuns: 500 },
    )
  })
})

describe('decodePart', () => {
  it('property: round-trips every part that was not hashed', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const encoded = encodePart(text)
        fc.pre(!isHashedPart(encoded))
        return decodePart(encoded) === text
      }),
      { numRuns: 2_000 },
    )
  })

  it.each([
    ['', 'E_INVALID_KEY_PART'],
    ['a b', 'E_INVALID_KEY_PART'],
    ['a:b', 'E_INVALID_KEY_PART'],
    ['%', 'E_INVALID_KEY_PART'],
    ['%4', 'E_INVALID_KEY_PART'],
    ['%41', 'E_INVALID_KEY_PART'], // `A` must be written plain
    ['%c3%a9', 'E_INVALID_KEY_PART'], // lowercase hex is not canonical
    ['%C0%80', 'E_INVALID_KEY_PART'], // overlong NUL
    ['%ED%A0%80%ED%B0%80', 'E_INVALID_KEY_PART'], // a surrogate pair must be written as one code point
    ['%C3', 'E_INVALID_KEY_PART'], // truncated sequence
    ['%80', 'E_INVALID_KEY_PART'], // stray continuation byte
    [`#${'A'.repeat(43)}`, 'E_UNDECODABLE_KEY_PART'],
  ])('rejects %j with %s', (encoded, expected) => {
    expect(code(() => decodePart(encoded))).toBe(expected)
  })

  it('decodes the empty marker and lone surrogates', () => {
    expect(decodePart('~')).toBe('')
    expect(decodePart(encodePart('\ud800x'))).toBe('\ud800x')
  })
})
