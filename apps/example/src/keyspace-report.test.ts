import { defineKeyspace } from '@redlayer/keyspace'
import { describe, expect, it } from 'vitest'
import { exampleKeyspace } from './keyspace.js'
import { formatKeyspaceReport } from './keyspace-report.js'

describe('formatKeyspaceReport', () => {
  it('lists each namespace with its key prefix, TTL policy, flush class, outage mode, budget and ADR', () => {
    const keyspace = defineKeyspace({
      prefix: 'shop',
      namespaces: {
        entity: {
          prefix: 'entity',
          description: 'entities',
          ttl: { default: '5m', min: '30s', max: '15m' },
          flushClass: 'safe',
          whenRedisDown: 'bypass',
          memoryBudgetBytes: 64 * 1024 ** 2,
          adr: 'ADR-0011',
        },
        lock: {
          prefix: 'lock',
          description: 'locks',
          ttl: { default: '30s', mode: 'absolute' },
          flushClass: 'forbidden',
          whenRedisDown: 'fail-closed',
        },
      },
    })
    const lines = formatKeyspaceReport(keyspace).split('\n')
    expect(lines[0]).toBe(
      'Keyspace: 2 namespaces, application prefix "shop:", budgets 64 MiB in all (ADR-0011)',
    )
    expect(lines[1]).toMatch(
      /^ {2}namespace +keys +ttl default +min +max +ttl mode +flush +Redis down +budget +adr +holds$/,
    )
    expect(lines[2]).toMatch(
      /^ {2}entity +shop:entity::\.\.\. +5m +30s +15m +absolute +safe +bypass +64 MiB +ADR-0011 +entities$/,
    )
    expect(lines[3]).toMatch(
      /^ {2}lock +shop:lock::\.\.\. +30s +1ms +30s +absolute +forbidden +fail-closed +- +- +locks$/,
    )
  })

  it('reports the example keyspace, one line per namespace', () => {
    const report = formatKeyspaceReport(exampleKeyspace)
    expect(report).toContain('no application prefix')
    for (const ns of exampleKeyspace.namespaces)
      expect(report).toMatch(new RegExp(`^ {2}${ns.name} +${ns.keyPrefix}`, 'm'))
  })
})
