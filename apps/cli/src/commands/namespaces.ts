import { formatByteSize, formatDuration } from '@redlayer/keyspace'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatTable } from '../text-format.js'

export const namespacesCommand: Command = {
  name: 'namespaces',
  summary: 'list the namespaces of the keyspace (no Redis needed)',
  usage: 'redlayer namespaces [--json] [--keyspace ./module.js#export]',
  options: {},
  async run({ keyspace }) {
    const namespaces = keyspace.namespaces.map((ns) => ({
      name: ns.name,
      prefix: ns.prefix,
      pattern: ns.pattern,
      description: ns.description,
      ttl: { defaultMs: ns.ttl.defaultMs, minMs: ns.ttl.minMs, maxMs: ns.ttl.maxMs, mode: ns.ttl.mode },
      flushClass: ns.flushClass,
      whenRedisDown: ns.whenRedisDown,
      memoryBudgetBytes: ns.memoryBudgetBytes ?? null,
      adr: ns.adr ?? null,
    }))
    const rows = keyspace.namespaces.map((ns) => [
      ns.name,
      ns.pattern,
      `${formatDuration(ns.ttl.defaultMs)} (${formatDuration(ns.ttl.minMs)}..${formatDuration(ns.ttl.maxMs)}, ${ns.ttl.mode})`,
      ns.flushClass,
      ns.whenRedisDown,
      ns.memoryBudgetBytes === undefined ? '-' : formatByteSize(ns.memoryBudgetBytes),
      ns.adr ?? '-',
      ns.description,
    ])
    const header = ['NAMESPACE', 'KEYS', 'TTL', 'FLUSH', 'REDIS DOWN', 'BUDGET', 'ADR', 'HOLDS']
    return {
      exitCode: EXIT.ok,
      data: { prefix: keyspace.prefix, namespaces },
      text: `Keyspace${keyspace.prefix ? ` under ${keyspace.prefix}` : ''}: ${namespaces.length} namespaces\n${formatTable([header, ...rows])}`,
    }
  },
}
