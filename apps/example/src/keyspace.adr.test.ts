import { parseDuration } from '@redlayer/connection'
import { parseByteSize } from '@redlayer/keyspace'
import { adrTable } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { exampleKeyspace } from './keyspace.js'

// ADR-0011's namespace table is the readable form of this keyspace: the two must say the same.
const COLUMNS = [
  'namespace',
  'prefix',
  'holds',
  'ttl default',
  'ttl min',
  'ttl max',
  'flush class',
  'when Redis is down',
  'budget',
]
const absent = (cell: string | undefined) => cell === undefined || cell === '-'

describe('ADR-0011 namespace table', () => {
  it('lists every namespace of exampleKeyspace with its prefix, TTL policy, flush class, outage mode and budget', () => {
    const rows = adrTable('0011', COLUMNS)
    const table = rows.map((row) => ({
      name: row.namespace,
      prefix: row.prefix,
      ttl: {
        defaultMs: parseDuration(row['ttl default'] ?? ''),
        // '-': what the keyspace does when a bound is omitted (min 1 ms, max the default).
        minMs: absent(row['ttl min']) ? 1 : parseDuration(row['ttl min'] ?? ''),
        maxMs: absent(row['ttl max'])
          ? parseDuration(row['ttl default'] ?? '')
          : parseDuration(row['ttl max'] ?? ''),
      },
      flushClass: row['flush class'],
      whenRedisDown: row['when Redis is down'],
      memoryBudgetBytes: absent(row.budget) ? undefined : parseByteSize(row.budget ?? ''),
    }))
    const code = exampleKeyspace.namespaces.map((ns) => ({
      name: ns.name,
      prefix: ns.prefix,
      ttl: { defaultMs: ns.ttl.defaultMs, minMs: ns.ttl.minMs, maxMs: ns.ttl.maxMs },
      flushClass: ns.flushClass,
      whenRedisDown: ns.whenRedisDown,
      memoryBudgetBytes: ns.memoryBudgetBytes,
    }))
    expect(table).toEqual(code)
  })
})
