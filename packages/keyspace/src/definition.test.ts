import { isRedlayerError, type RedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { type NamespaceDefinition, resolveKeyspace } from './definition.js'

const base: NamespaceDefinition = {
  prefix: 'entity',
  description: 'entities by id',
  ttl: { default: '5m', min: '30s', max: '1h' },
  flushClass: 'safe',
  whenRedisDown: 'bypass',
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    if (isRedlayerError(error, 'E_INVALID_KEYSPACE'))
      return (error as RedlayerError).details.problems as string[]
    throw error
  }
  throw new Error('expected E_INVALID_KEYSPACE')
}

describe('resolveKeyspace', () => {
  it('fills a namespace declared by its kind from the kind, its prefix from its name', () => {
    const resolved = resolveKeyspace({
      namespaces: {
        users: { kind: 'cache', ttl: '10m' },
        api: { kind: 'ratelimit' },
        jobs: { kind: 'lock' },
        chats: { kind: 'session', ttl: '2h', prefix: 'chat' },
      },
    })
    const [users, api, jobs, chats] = resolved.namespaces
    expect(users).toMatchObject({
      kind: 'cache',
      prefix: 'users',
      flushClass: 'safe',
      whenRedisDown: 'serve-stale',
      ttl: { defaultMs: 600_000, minMs: 1, maxMs: 600_000, mode: 'absolute' },
    })
    expect(api).toMatchObject({ flushClass: 'disruptive', whenRedisDown: 'local-fallback' })
    expect(api?.ttl).toMatchObject({ defaultMs: 3_600_000, minMs: 1_000, maxMs: 86_400_000 })
    expect(jobs).toMatchObject({ flushClass: 'forbidden', whenRedisDown: 'fail-closed' })
    // A TTL given replaces the kind's bounds, and keeps its mode (sessions slide).
    expect(chats).toMatchObject({
      prefix: 'chat',
      ttl: { defaultMs: 7_200_000, maxMs: 7_200_000, mode: 'sliding' },
    })
  })

  it('lets a declared field override the kind, and still requires every field without a kind', () => {
    const [risky] = resolveKeyspace({
      namespaces: { risky: { kind: 'cache', whenRedisDown: 'fail-closed', flushClass: 'disruptive' } },
    }).namespaces
    expect(risky).toMatchObject({ whenRedisDown: 'fail-closed', flushClass: 'disruptive' })
    const problems = problemsOf(() => resolveKeyspace({ namespaces: { bare: { prefix: 'bare' } } }))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^namespaces\.bare\.description/),
        expect.stringMatching(/^namespaces\.bare\.ttl/),
        expect.stringMatching(/^namespaces\.bare\.flushClass/),
        expect.stringMatching(/^namespaces\.bare\.whenRedisDown/),
      ]),
    )
    // An unknown kind supplies nothing: the kind and every field it would have filled are reported.
    const unknownKind = problemsOf(() => resolveKeyspace({ namespaces: { x: { kind: 'queue' as 'cache' } } }))
    expect(unknownKind).toEqual(expect.arrayContaining([expect.stringMatching(/^namespaces\.x\.kind/)]))
    expect(unknownKind).toHaveLength(5)
  })

  it('resolves durations, defaults, key prefixes and patterns', () => {
    const resolved = resolveKeyspace({
      prefix: 'app:',
      namespaces: {
        entity: base,
        lock: {
          ...base,
          prefix: 'lock',
          ttl: { default: 30_000 },
          flushClass: 'forbidden',
          memoryBudgetBytes: 1024,
        },
      },
    })
    expect(resolved.appPrefix).toBe('app:')
    const [entity, lock] = resolved.namespaces
    expect(entity).toMatchObject({
      name: 'entity',
      keyPrefix: 'app:entity::',
      pattern: 'app:entity::*',
      ttl: { defaultMs: 300_000, minMs: 30_000, maxMs: 3_600_000, mode: 'absolute' },
      memoryBudgetBytes: undefined,
    })
    // Without min/max: at least 1 ms, at most the default (a caller may shorten, never extend).
    expect(lock?.ttl).toEqual({ defaultMs: 30_000, minMs: 1, maxMs: 30_000, mode: 'absolute' })
    expect(lock?.memoryBudgetBytes).toBe(1024)
    expect(Object.isFrozen(entity)).toBe(true)
  })

  it('accepts no application prefix', () => {
    expect(resolveKeyspace({ namespaces: { entity: base } }).namespaces[0]?.keyPrefix).toBe('entity::')
    expect(resolveKeyspace({ prefix: '', namespaces: { entity: base } }).appPrefix).toBe('')
  })

  it('lists every problem of a bad declaration in one E_INVALID_KEYSPACE', () => {
    const problems = problemsOf(() =>
      resolveKeyspace({
        prefix: 'my app*',
        namespaces: {
          a: { ...base, prefix: 'cache*' },
          b: { ...base, prefix: 'dup' },
          c: { ...base, prefix: 'dup' },
          d: { ...base, prefix: 'd', ttl: { default: '5m', min: '10m', max: '1m' } },
          e: { ...base, prefix: 'e', ttl: { default: '2h', max: '1h' } },
          f: { ...base, prefix: 'f', flushClass: 'sometimes' as 'safe' },
          g: { ...base, prefix: 'g', memoryBudgetBytes: 0 },
          h: { ...base, prefix: 'h', ttl: { default: '5 minutes' } },
          i: { ...base, prefix: 'i::x' },
          j: { ...base, prefix: 'j', whenRedisDown: 'pray' as 'bypass' },
          k: { ...base, prefix: 'k{tag}' },
          l: { ...base, prefix: 'l', ttl: { default: 0 } },
          m: { ...base, prefix: ':m' },
        },
      }),
    )
    const expected = [
      /^prefix: must be segments/,
      /^namespaces\.a\.prefix: must be segments/,
      /^namespaces\.c\.prefix: "dup" is already used by b/,
      /^namespaces\.d\.ttl: min \(600000 ms\) is greater than max \(60000 ms\)/,
      /^namespaces\.e\.ttl\.default: 7200000 ms is outside/,
      /^namespaces\.f\.flushClass:/,
      /^namespaces\.g\.memoryBudgetBytes: must be positive/,
      /^namespaces\.h\.ttl\.default: invalid duration/,
      /^namespaces\.i\.prefix: must be segments/,
      /^namespaces\.j\.whenRedisDown:/,
      /^namespaces\.k\.prefix: must be segments/,
      /^namespaces\.l\.ttl\.default: must be positive/,
      /^namespaces\.m\.prefix: must be segments/,
    ]
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true)
    expect(problems).toHaveLength(expected.length)
  })

  it('rejects an empty keyspace, unknown fields and a missing description', () => {
    expect(problemsOf(() => resolveKeyspace({ namespaces: {} }))).toEqual([
      'namespaces: declare at least one namespace',
    ])
    const problems = problemsOf(() =>
      resolveKeyspace({
        namespaces: { a: { ...base, description: ' ', colour: 'red' } as unknown as NamespaceDefinition },
      }),
    )
    expect(problems.join('\n')).toMatch(/description: must not be empty/)
    expect(problems.join('\n')).toMatch(/colour/)
  })

  it('rejects a definition that is not an object', () => {
    expect(problemsOf(() => resolveKeyspace(undefined as never)).length).toBeGreaterThan(0)
  })
})
