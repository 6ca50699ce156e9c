import { defineKeyspace, type Keyspace, type NamespaceDefinition } from '@redlayer/keyspace'

// ADR-0011: the example app's keyspace. The namespace table of ADR-0011 mirrors this declaration
// (scripts/check-adrs.mjs compares them); change both together. Each namespace names the package
// that uses it (`kind`): its defaults (the keys that live without a TTL: a cache's epoch, a lock's
// fence counters) and the least rights `redlayer acl` grants it. Budgets add up to 250 MiB of a
// 256 MiB `maxmemory`, the rest is headroom for Redis itself.
export const exampleNamespaces = {
  entity: {
    kind: 'cache',
    prefix: 'entity',
    description: 'entities read through the cache, by type and id',
    ttl: { default: '5m', min: '30s', max: '15m' },
    flushClass: 'safe',
    whenRedisDown: 'bypass',
    memoryBudgetBytes: 100 * 1024 ** 2,
    adr: 'ADR-0020',
  },
  query: {
    kind: 'cache',
    prefix: 'cache:query',
    description: 'query results, by a hash of the normalized query',
    // max 15m: a result lives its 2m TTL plus the 10m grace the app serves it for (ADR-0020).
    ttl: { default: '2m', min: '30s', max: '15m' },
    flushClass: 'safe',
    whenRedisDown: 'serve-stale',
    memoryBudgetBytes: 40 * 1024 ** 2,
    adr: 'ADR-0020',
  },
  ratelimit: {
    kind: 'ratelimit',
    prefix: 'ratelimit',
    description: 'token buckets, by limiter and subject',
    ttl: { default: '1h', min: '1s', max: '1d' },
    flushClass: 'disruptive',
    whenRedisDown: 'local-fallback',
    memoryBudgetBytes: 20 * 1024 ** 2,
    adr: 'ADR-0012',
  },
  session: {
    kind: 'session',
    prefix: 'session',
    description: 'sessions: meta hash, event list, per-user index',
    ttl: { default: '8h', min: '5m', max: '24h', mode: 'sliding' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-closed',
    memoryBudgetBytes: 50 * 1024 ** 2,
    adr: 'ADR-0033',
  },
  login: {
    kind: 'session',
    prefix: 'login',
    description: 'login sessions: the bearer tokens of signed-in users',
    ttl: { default: '1h', min: '5m', max: '12h', mode: 'sliding' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-closed',
    memoryBudgetBytes: 10 * 1024 ** 2,
    adr: 'ADR-0041',
  },
  lock: {
    kind: 'lock',
    prefix: 'lock',
    description: 'lock tokens and fencing counters',
    ttl: { default: '30s', min: '50ms', max: '5m' },
    flushClass: 'forbidden',
    whenRedisDown: 'fail-closed',
    memoryBudgetBytes: 10 * 1024 ** 2,
    adr: 'ADR-0030',
  },
  ai: {
    kind: 'cache',
    prefix: 'ai',
    description: 'AI responses, by a hash of the prompt and model',
    ttl: { default: '1h', min: '5m', max: '24h' },
    flushClass: 'safe',
    whenRedisDown: 'bypass',
    memoryBudgetBytes: 20 * 1024 ** 2,
    adr: 'ADR-0011',
  },
} as const satisfies Record<string, NamespaceDefinition>

export type ExampleNamespace = keyof typeof exampleNamespaces

/** The example app's keyspace under an application prefix (`REDIS_KEY_PREFIX`, `config.keyPrefix`). */
export function exampleKeyspaceFor(appPrefix?: string): Keyspace<ExampleNamespace> {
  return defineKeyspace({ ...(appPrefix ? { prefix: appPrefix } : {}), namespaces: exampleNamespaces })
}

/** The declaration without an application prefix: what ADR-0011's table and `redlayer namespaces` show. */
export const exampleKeyspace: Keyspace<ExampleNamespace> = exampleKeyspaceFor()
