// ADR-0011's table of namespace kinds against NAMESPACE_KIND_DEFAULTS of @redlayer/keyspace: the
// record says why each kind gets its defaults, the code applies them; this keeps them equal.
import { duration, text } from './cell-values.mjs'
import { completeTtlBounds } from './keyspace-namespaces.mjs'

export const namespaceKinds = {
  adr: '0011',
  what: 'namespace kinds table against NAMESPACE_KIND_DEFAULTS',
  columns: ['kind', 'flush class', 'when Redis is down', 'ttl default', 'ttl min', 'ttl max', 'ttl mode'],
  rowKey: 'kind',
  compared: {
    'flush class': text,
    'when Redis is down': text,
    'ttl default': duration,
    'ttl min': duration,
    'ttl max': duration,
    'ttl mode': text,
  },
  source: 'packages/keyspace/src/definition.ts',
  built: 'packages/keyspace/dist/definition.js',
  buildHint: 'npx pnpm@10.34.8 turbo run build --filter @redlayer/keyspace...',

  completeRow: completeTtlBounds,

  /** The kinds the code declares, each resolved as a namespace declared by its kind alone. */
  rowsFromModule(module) {
    const { NAMESPACE_KIND_DEFAULTS: kinds, resolveKeyspace } = module
    if (!kinds || typeof resolveKeyspace !== 'function') {
      throw new Error('the module does not export `NAMESPACE_KIND_DEFAULTS` and `resolveKeyspace`')
    }
    const names = Object.keys(kinds)
    const { namespaces } = resolveKeyspace({
      namespaces: Object.fromEntries(names.map((kind) => [kind, { kind }])),
    })
    return new Map(
      namespaces.map((ns) => [
        ns.name,
        {
          'flush class': ns.flushClass,
          'when Redis is down': ns.whenRedisDown,
          'ttl default': ns.ttl.defaultMs,
          'ttl min': ns.ttl.minMs,
          'ttl max': ns.ttl.maxMs,
          'ttl mode': ns.ttl.mode,
        },
      ]),
    )
  },
}
