// ADR-0011's namespace table against the keyspace the example app declares. The record is the
// readable form, `exampleKeyspace` is what runs; this comparison keeps them equal.
import { bytes, duration, text } from './cell-values.mjs'

const MIN_TTL_WHEN_OMITTED_MS = 1 // the keyspace's lower bound when a namespace declares no min

/** A '-' in the ttl columns means what the keyspace does when the bound is omitted. */
export function completeTtlBounds(values) {
  return {
    ...values,
    'ttl min': values['ttl min'] ?? MIN_TTL_WHEN_OMITTED_MS,
    'ttl max': values['ttl max'] ?? values['ttl default'],
  }
}

export const keyspaceNamespaces = {
  adr: '0011',
  what: 'namespace table against exampleKeyspace',
  columns: [
    'namespace',
    'prefix',
    'holds',
    'ttl default',
    'ttl min',
    'ttl max',
    'flush class',
    'when Redis is down',
    'budget',
  ],
  rowKey: 'namespace',
  // Columns compared with the code, and how their cells are read. `holds` is prose for people.
  compared: {
    prefix: text,
    'ttl default': duration,
    'ttl min': duration,
    'ttl max': duration,
    'flush class': text,
    'when Redis is down': text,
    budget: bytes,
  },
  source: 'apps/example/src/keyspace.ts',
  built: 'apps/example/dist/keyspace.js',
  buildHint: 'npx pnpm@10.34.8 turbo run build --filter @redlayer/example... --force',

  completeRow: completeTtlBounds,

  /** The rows the code declares, keyed by namespace name, with the compared columns. */
  rowsFromModule(module) {
    const keyspace = module.exampleKeyspace
    if (!keyspace || !Array.isArray(keyspace.namespaces)) {
      throw new Error('the module does not export `exampleKeyspace` (a Keyspace with `namespaces`)')
    }
    return new Map(
      keyspace.namespaces.map((ns) => [
        ns.name,
        {
          prefix: ns.prefix,
          'ttl default': ns.ttl.defaultMs,
          'ttl min': ns.ttl.minMs,
          'ttl max': ns.ttl.maxMs,
          'flush class': ns.flushClass,
          'when Redis is down': ns.whenRedisDown,
          budget: ns.memoryBudgetBytes ?? null,
        },
      ]),
    )
  },
}
