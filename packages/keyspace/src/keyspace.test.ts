import { isRedlayerError } from '@redlayer/connection'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keyPart } from '../test/support/hostile-strings.js'
import { NESTED_NAMES, nestedKeyspace } from '../test/support/nested-keyspace.js'
import { escapeGlob } from './glob.js'
import { defineKeyspace } from './keyspace.js'
import { type KeyPart, partText } from './part-encoding.js'

const keyspace = nestedKeyspace('app')
const name = fc.constantFrom(...NESTED_NAMES)
const parts = fc.array(keyPart, { maxLength: 4 })
const FORBIDDEN_IN_KEY = /[*?[\]\\\s]/

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isRedlayerError(error) ? error.code : 'not a RedlayerError'
  }
  return undefined
}

const sameParts = (a: readonly KeyPart[], b: readonly KeyPart[]) =>
  a.length === b.length && a.every((part, i) => partText(part) === partText(b[i] as KeyPart))

describe('Keyspace.key', () => {
  it('lays a key out as <app>:<prefix>::<part>:<part>', () => {
    expect(keyspace.key('cache', 'user', 42)).toBe('app:cache::user:42')
    expect(keyspace.key('query', 'a:b', '')).toBe('app:cache:query::a%3Ab:~')
    expect(keyspace.key('cache')).toBe('app:cache::')
    expect(nestedKeyspace().key('cache2', 'x')).toBe('cache2::x')
  })

  it('throws E_UNKNOWN_NAMESPACE for an undeclared namespace', () => {
    expect(codeOf(() => keyspace.key('nope' as 'cache', 'x'))).toBe('E_UNKNOWN_NAMESPACE')
    expect(codeOf(() => keyspace.namespace('nope' as 'cache'))).toBe('E_UNKNOWN_NAMESPACE')
    expect(codeOf(() => keyspace.family('nope' as 'cache', 'x'))).toBe('E_UNKNOWN_NAMESPACE')
    expect(keyspace.has('cache')).toBe(true)
    expect(keyspace.has('nope')).toBe(false)
  })

  it('property: injective over (namespace, parts), plain keys and family keys together', () => {
    fc.assert(
      fc.property(name, parts, fc.boolean(), name, parts, fc.boolean(), (n1, p1, f1, n2, p2, f2) => {
        const build = (n: typeof n1, p: KeyPart[], family: boolean) =>
          family && p.length > 0
            ? keyspace.family(n, ...p.slice(0, 1)).key(...p.slice(1))
            : keyspace.key(n, ...p)
        fc.pre(!(n1 === n2 && sameParts(p1, p2) && (f1 && p1.length > 0) === (f2 && p2.length > 0)))
        return build(n1, p1, f1) !== build(n2, p2, f2)
      }),
      { numRuns: 3_000 },
    )
  })

  it('property: classify is exact for any parts, nested and similar prefixes included', () => {
    fc.assert(
      fc.property(name, parts, (n, p) => {
        const key = keyspace.key(n, ...p)
        return keyspace.classify(key) === n && !FORBIDDEN_IN_KEY.test(key) && !/[{}]/.test(key)
      }),
      { numRuns: 3_000 },
    )
  })

  it('property: a key never starts with another namespace’s key prefix (SCAN MATCH stays exact)', () => {
    fc.assert(
      fc.property(name, parts, name, (n, p, other) => {
        fc.pre(n !== other)
        return !keyspace.key(n, ...p).startsWith(keyspace.namespace(other).keyPrefix)
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('Keyspace.family', () => {
  it('puts the encoded parts in one hash tag', () => {
    const family = keyspace.family('session', 'user:1')
    expect(family.tag).toBe('{user%3A1}')
    expect(family.key('meta')).toBe('app:session::{user%3A1}:meta')
    expect(family.key()).toBe('app:session::{user%3A1}')
    expect(keyspace.family('session', 'a', 'b').key('events', 2)).toBe('app:session::{a:b}:events:2')
  })

  it('refuses an empty tag', () => {
    expect(codeOf(() => keyspace.family('session'))).toBe('E_INVALID_KEY_PART')
  })

  it('property: every key of a family hashes on the same tag and classifies to its namespace', () => {
    fc.assert(
      fc.property(name, fc.array(keyPart, { minLength: 1, maxLength: 3 }), parts, (n, tagParts, suffix) => {
        const family = keyspace.family(n, ...tagParts)
        const key = family.key(...suffix)
        // Redis Cluster hashes what lies between the first `{` and the first `}` after it.
        const open = key.indexOf('{')
        const hashed = key.slice(open + 1, key.indexOf('}', open))
        return `{${hashed}}` === family.tag && hashed.length > 0 && keyspace.classify(key) === n
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('Keyspace.classify', () => {
  it.each([
    'app:cache',
    'app:cache:',
    'app:cache:x',
    'app:unknown::x',
    'other:cache::x',
    'cache::x',
    'app:cache::a b',
    'app:cache::a::b',
    'app:cache::a:',
    'app:cache::*',
    'app:cache::%4',
    'app:cache::{}',
    'app:cache::{a}{b}',
    'app:cache::{a',
    'app:cache::x{a}',
    '',
  ])('returns undefined for %j, which no namespace could have built', (raw) => {
    expect(keyspace.classify(raw)).toBeUndefined()
  })

  it('names the most specific namespace', () => {
    expect(keyspace.classify('app:cache::query:x')).toBe('cache')
    expect(keyspace.classify('app:cache:query::x')).toBe('query')
    expect(keyspace.classify('app:cache:query:v2::x')).toBe('queryV2')
    expect(keyspace.classify('app:cache2::x')).toBe('cache2')
  })
})

describe('Keyspace.ttl and pattern', () => {
  it('returns the default, clamps a request to [min, max]', () => {
    expect(keyspace.ttl('cache')).toBe(60_000)
    expect(keyspace.ttl('cache', 5_000)).toBe(5_000)
    expect(keyspace.ttl('cache', 10)).toBe(1_000)
    expect(keyspace.ttl('cache', 0)).toBe(1_000)
    expect(keyspace.ttl('cache', 3_600_000)).toBe(600_000)
    expect(keyspace.ttl('cache', 1_500.6)).toBe(1_501)
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, '5m' as unknown as number])(
    'rejects a requested TTL of %s with E_INVALID_TTL',
    (requested) => {
      expect(codeOf(() => keyspace.ttl('cache', requested))).toBe('E_INVALID_TTL')
    },
  )

  it('gives the SCAN MATCH pattern of a namespace and of the application', () => {
    expect(keyspace.pattern('query')).toBe('app:cache:query::*')
    expect(keyspace.scanPattern).toBe('app:*')
    expect(nestedKeyspace().scanPattern).toBe('*')
  })

  it('escapes glob characters', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f')
  })

  it('lists its namespaces in declaration order', () => {
    expect(keyspace.namespaces.map((ns) => ns.name)).toEqual([...NESTED_NAMES])
    const single = defineKeyspace({
      prefix: 'x:',
      namespaces: {
        a: {
          prefix: 'a',
          description: 'a',
          ttl: { default: '1s' },
          flushClass: 'safe',
          whenRedisDown: 'bypass',
        },
      },
    })
    expect(single.prefix).toBe('x:')
    expect(single.key('a', 1)).toBe('x:a::1')
  })
})
