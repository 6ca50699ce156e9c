import { createHash } from 'node:crypto'
import { RedlayerError } from '@redlayer/connection'

/** One piece of user data in a key: an id, a hash, a user name... */
export type KeyPart = string | number | bigint

// ADR-0011: the encoding of a key part. Characters that common ids are made of pass through, so
// keys stay readable; every other code point becomes `%XX` per UTF-8 byte (uppercase hex). The
// empty string is `~`, which the encoding never produces otherwise. A part whose encoding is longer
// than the limit becomes `#` + base64url(SHA-256). The output never holds `:` (separator), braces
// (hash tags), SCAN glob characters, whitespace or control characters.
const PLAIN = /^[A-Za-z0-9._-]+$/
export const EMPTY_PART = '~'
export const HASHED_PART_MARK = '#'
/** The grammar of one encoded part (plain/escaped, empty marker, or hashed). */
export const ENCODED_PART_SOURCE = `(?:~|#[A-Za-z0-9_-]{43}|(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+)`
const ENCODED_PART = new RegExp(`^${ENCODED_PART_SOURCE}$`)
const HEX = '0123456789ABCDEF'

/** The default bound on one encoded part, in characters; longer parts are hashed. */
export const DEFAULT_MAX_PART_LENGTH = 256

function invalidPart(why: string, details: Record<string, unknown> = {}): RedlayerError {
  return new RedlayerError('E_INVALID_KEY_PART', `invalid key part: ${why}`, { details })
}

/** The canonical text of a part: numbers and bigints in decimal, so `42` and `'42'` name one key. */
export function partText(part: KeyPart): string {
  switch (typeof part) {
    case 'string':
      return part
    case 'bigint':
      return part.toString()
    case 'number':
      if (!Number.isFinite(part)) throw invalidPart('numbers must be finite', { got: String(part) })
      return Object.is(part, -0) ? '0' : String(part)
    default:
      throw invalidPart('expected a string, a number or a bigint', { got: typeof part })
  }
}

function pushByte(out: string[], byte: number): void {
  out.push('%', HEX[byte >> 4] as string, HEX[byte & 15] as string)
}

// UTF-8 of each code point. A lone surrogate (legal in a JS string, not in UTF-8) is written as
// its 3-byte form (WTF-8), a byte sequence valid UTF-8 never contains, so the encoding stays
// injective over every JS string instead of collapsing lone surrogates into U+FFFD.
function escapeCodePoint(out: string[], cp: number): void {
  if (cp < 0x80) pushByte(out, cp)
  else if (cp < 0x800) {
    pushByte(out, 0xc0 | (cp >> 6))
    pushByte(out, 0x80 | (cp & 0x3f))
  } else if (cp < 0x10000) {
    pushByte(out, 0xe0 | (cp >> 12))
    pushByte(out, 0x80 | ((cp >> 6) & 0x3f))
    pushByte(out, 0x80 | (cp & 0x3f))
  } else {
    pushByte(out, 0xf0 | (cp >> 18))
    pushByte(out, 0x80 | ((cp >> 12) & 0x3f))
    pushByte(out, 0x80 | ((cp >> 6) & 0x3f))
    pushByte(out, 0x80 | (cp & 0x3f))
  }
}

function isPlain(cp: number): boolean {
  return (
    (cp >= 0x61 && cp <= 0x7a) || // a-z
    (cp >= 0x41 && cp <= 0x5a) || // A-Z
    (cp >= 0x30 && cp <= 0x39) || // 0-9
    cp === 0x2d || // -
    cp === 0x2e || // .
    cp === 0x5f // _
  )
}

function escapeText(text: string): string {
  const out: string[] = []
  for (const char of text) {
    const cp = char.codePointAt(0) as number
    if (isPlain(cp)) out.push(char)
    else escapeCodePoint(out, cp)
  }
  return out.join('')
}

/**
 * Encodes one key part (see ADR-0011). Injective over the part's canonical text, up to SHA-256
 * collisions for parts longer than `maxLength` once encoded.
 */
export function encodePart(part: KeyPart, maxLength: number = DEFAULT_MAX_PART_LENGTH): string {
  const text = partText(part)
  if (text === '') return EMPTY_PART
  if (PLAIN.test(text) && text.length <= maxLength) return text
  // Every UTF-16 unit encodes to at least one character: a longer text needs no encoding to know.
  if (text.length <= maxLength) {
    const encoded = escapeText(text)
    if (encoded.length <= maxLength) return encoded
  }
  // ADR-0011: bounded keys. UTF-16 code units are an injective byte form of any JS string.
  return HASHED_PART_MARK + createHash('sha256').update(text, 'utf16le').digest('base64url')
}

/** True when `encoded` is a well-formed encoded part (hashed parts included). */
export function isEncodedPart(encoded: string): boolean {
  return ENCODED_PART.test(encoded)
}

/** True when an encoded part is a hash of a long part, which cannot be decoded. */
export function isHashedPart(encoded: string): boolean {
  return encoded.startsWith(HASHED_PART_MARK)
}

function decodeBytes(encoded: string): string {
  const bytes: number[] = []
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i] as string
    if (char === '%') {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(char.charCodeAt(0))
  }
  let text = ''
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] as number
    const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0
    if (size === 0 || i + size > bytes.length) throw invalidPart('malformed escape sequence')
    let cp = size === 1 ? lead : lead & (0xff >> (size + 1))
    for (let k = 1; k < size; k++) {
      const next = bytes[i + k] as number
      if ((next & 0xc0) !== 0x80) throw invalidPart('malformed escape sequence')
      cp = (cp << 6) | (next & 0x3f)
    }
    if (cp > 0x10ffff) throw invalidPart('code point out of range')
    text += String.fromCodePoint(cp)
    i += size
  }
  return text
}

/**
 * The inverse of `encodePart` for parts that were not hashed: `decodePart(encodePart(s)) === s`.
 * Anything `encodePart` cannot have produced (bad grammar, a non-canonical escape such as `%41`
 * for `A`, overlong UTF-8) throws `E_INVALID_KEY_PART`; a hashed part throws
 * `E_UNDECODABLE_KEY_PART`.
 */
export function decodePart(encoded: string): string {
  if (!ENCODED_PART.test(encoded)) throw invalidPart('not an encoded key part')
  if (encoded === EMPTY_PART) return ''
  if (isHashedPart(encoded)) {
    throw new RedlayerError('E_UNDECODABLE_KEY_PART', 'a hashed key part cannot be decoded')
  }
  const text = decodeBytes(encoded)
  // Canonical form only, so that decoding is the exact inverse of encoding (one spelling per part).
  if (escapeText(text) !== encoded) throw invalidPart('not in canonical form')
  return text
}
