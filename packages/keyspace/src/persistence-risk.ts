import type { ResolvedNamespace } from './definition.js'
import type { GuaranteeRisk } from './eviction-risk.js'

/** What a Redis node persists: AOF and RDB snapshots, `null` when it could not be read. */
export interface Persistence {
  readonly aof: boolean | null
  readonly rdb: boolean | null
}

const names = (namespaces: readonly ResolvedNamespace[]) => namespaces.map((ns) => ns.name).join(', ')

/**
 * What a restart of a node with this persistence does to the namespaces (ADR-0011, ADR-0030).
 * Derived data (`safe` namespaces) needs none. Without AOF and RDB a restart forgets every key:
 * with a `forbidden` namespace (locks) that fails, since a second holder can then be granted a
 * lock the first still works under (its fences still go up: they are drawn from Redis time);
 * other namespaces lose their data and warn. RDB alone loses the writes since the last snapshot.
 */
export function persistenceRisk(
  persistence: Persistence,
  namespaces: readonly ResolvedNamespace[],
): GuaranteeRisk {
  const forbidden = namespaces.filter((ns) => ns.flushClass === 'forbidden')
  const durable = namespaces.filter((ns) => ns.flushClass !== 'safe')
  if (durable.length === 0)
    return { status: 'ok', message: 'not needed: every namespace holds derived data', namespaces: [] }
  const affected = durable.map((ns) => ns.name)
  if (persistence.aof === true)
    return { status: 'ok', message: `AOF is on (${names(durable)} survive a restart)`, namespaces: [] }
  if (persistence.rdb === true) {
    return {
      status: 'warn',
      message: `RDB snapshots only: writes since the last snapshot to ${names(durable)} are lost on a crash; consider appendonly yes`,
      namespaces: affected,
    }
  }
  if (persistence.aof === null || persistence.rdb === null) {
    return {
      status: 'warn',
      message: 'persistence is unknown (INFO or CONFIG GET save could not be read)',
      namespaces: affected,
    }
  }
  return {
    status: forbidden.length > 0 ? 'fail' : 'warn',
    message: `no persistence (AOF and RDB off): a restart loses ${names(durable)}${forbidden.length > 0 ? ', and with it the locks held: a second holder can be granted one while the first still works (fences, drawn from Redis time, still go up: ADR-0030)' : ''}`,
    namespaces: forbidden.length > 0 ? forbidden.map((ns) => ns.name) : affected,
  }
}
