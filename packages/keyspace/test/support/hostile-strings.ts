import fc from 'fast-check'

// Characters that have a meaning somewhere in a Redis key or a SCAN pattern, plus unicode traps:
// combining marks, an astral emoji, lone surrogates, control characters, and the encoding's own
// markers (`%`, `~`, `#`).
const TRAPS = [
  ':',
  '{',
  '}',
  '*',
  '?',
  '[',
  ']',
  '\\',
  ' ',
  '\t',
  '\r',
  '\n',
  '\0',
  '\x7f',
  '%',
  '~',
  '#',
  '::',
  'a',
  'Z',
  '0',
  '-',
  '_',
  '.',
  'é',
  'e\u0301',
  '\u00a0',
  '\u2028',
  '😀',
  '\u{10ffff}',
  '\ud800',
  '\udc00',
  '%41',
] as const

/** Strings built to break a key encoding: separators, globs, braces, whitespace, unicode, empty. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRAPS), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constant(''),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
)

/** Strings of about 10 kB, some with hostile characters repeated, to exercise hashing of long parts. */
export const longString: fc.Arbitrary<string> = fc
  .tuple(hostileString, fc.integer({ min: 9_000, max: 10_240 }))
  .map(([seed, length]) => (seed === '' ? 'x' : seed).repeat(length).slice(0, length))

export const keyPart = fc.oneof(
  { weight: 8, arbitrary: hostileString as fc.Arbitrary<string | number | bigint> },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt() },
)
