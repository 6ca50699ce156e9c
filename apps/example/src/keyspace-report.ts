import { formatByteSize, formatDuration, type Keyspace } from '@redlayer/keyspace'
import { formatTable } from './text-table.js'

/**
 * The namespaces of a keyspace for people (ADR-0011): full key prefix, TTL policy, flush-safety
 * class, behaviour while Redis is down, memory budget and governing ADR.
 */
export function formatKeyspaceReport(keyspace: Keyspace<string>): string {
  const namespaces = keyspace.namespaces
  const budget = namespaces.reduce((sum, ns) => sum + (ns.memoryBudgetBytes ?? 0), 0)
  const prefix = keyspace.prefix === '' ? 'no application prefix' : `application prefix "${keyspace.prefix}"`
  return [
    `Keyspace: ${namespaces.length} namespaces, ${prefix}, budgets ${formatByteSize(budget)} in all (ADR-0011)`,
    formatTable([
      [
        'namespace',
        'keys',
        'ttl default',
        'min',
        'max',
        'ttl mode',
        'flush',
        'Redis down',
        'budget',
        'adr',
        'holds',
      ],
      ...namespaces.map((ns) => [
        ns.name,
        `${ns.keyPrefix}...`,
        formatDuration(ns.ttl.defaultMs),
        formatDuration(ns.ttl.minMs),
        formatDuration(ns.ttl.maxMs),
        ns.ttl.mode,
        ns.flushClass,
        ns.whenRedisDown,
        ns.memoryBudgetBytes === undefined ? '-' : formatByteSize(ns.memoryBudgetBytes),
        ns.adr ?? '-',
        ns.description,
      ]),
    ]),
  ].join('\n')
}
