import { defineKeyspace, type Keyspace, type NamespaceDefinition } from '@redlayer/keyspace'

// The namespaces the scenarios write to, under a per-run application prefix so that a run never
// meets the keys of another (the server is the bench's own, but a scenario may run twice).
const benchNamespaces = {
  cache: {
    prefix: 'cache',
    description: 'benchmark cache values',
    ttl: { default: '10m', min: '1s', max: '1h' },
    flushClass: 'safe',
    whenRedisDown: 'bypass',
    adr: 'ADR-0020',
  },
  ratelimit: {
    prefix: 'ratelimit',
    description: 'benchmark token buckets',
    ttl: { default: '1h', min: '1s', max: '1d' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-open',
    adr: 'ADR-0012',
  },
  lock: {
    prefix: 'lock',
    description: 'benchmark locks and fencing counters',
    ttl: { default: '30s', min: '50ms', max: '5m' },
    flushClass: 'forbidden',
    whenRedisDown: 'fail-closed',
    adr: 'ADR-0030',
  },
  session: {
    prefix: 'session',
    description: 'benchmark agent sessions',
    ttl: { default: '1h', min: '1m', max: '24h', mode: 'sliding' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-closed',
    adr: 'ADR-0033',
  },
  http: {
    prefix: 'http-session',
    description: 'benchmark express-session sessions',
    ttl: { default: '1h', min: '1s', max: '24h' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-closed',
    adr: 'ADR-0033',
  },
} as const satisfies Record<string, NamespaceDefinition>

export type BenchNamespace = keyof typeof benchNamespaces

export function benchKeyspace(runPrefix: string): Keyspace<BenchNamespace> {
  return defineKeyspace({ prefix: runPrefix, namespaces: benchNamespaces })
}
