import { parseDuration } from '@redlayer/connection'
import { adrTable } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { NAMESPACE_KIND_DEFAULTS, resolveKeyspace } from './definition.js'

// ADR-0011's table of namespace kinds says why each kind gets its defaults; the code applies them.
const COLUMNS = ['kind', 'flush class', 'when Redis is down', 'ttl default', 'ttl min', 'ttl max', 'ttl mode']

describe('ADR-0011 namespace kinds table', () => {
  it('gives each kind the defaults a namespace declared by its kind alone resolves to', () => {
    const table = adrTable('0011', COLUMNS).map((row) => {
      const defaultMs = parseDuration(row['ttl default'] ?? '')
      const bound = (cell: string | undefined, omitted: number) =>
        cell === undefined || cell === '-' ? omitted : parseDuration(cell)
      return {
        name: row.kind,
        flushClass: row['flush class'],
        whenRedisDown: row['when Redis is down'],
        // '-': the keyspace's bound when a namespace declares none (min 1 ms, max the default).
        ttl: {
          defaultMs,
          minMs: bound(row['ttl min'], 1),
          maxMs: bound(row['ttl max'], defaultMs),
          mode: row['ttl mode'],
        },
      }
    })
    const kinds = Object.keys(NAMESPACE_KIND_DEFAULTS) as (keyof typeof NAMESPACE_KIND_DEFAULTS)[]
    const { namespaces } = resolveKeyspace({
      namespaces: Object.fromEntries(kinds.map((kind) => [kind, { kind }])),
    })
    const code = namespaces.map((ns) => ({
      name: ns.name,
      flushClass: ns.flushClass,
      whenRedisDown: ns.whenRedisDown,
      ttl: { defaultMs: ns.ttl.defaultMs, minMs: ns.ttl.minMs, maxMs: ns.ttl.maxMs, mode: ns.ttl.mode },
    }))
    expect(table).toEqual(code)
  })
})
