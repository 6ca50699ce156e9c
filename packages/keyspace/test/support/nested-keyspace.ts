import { defineKeyspace, type NamespaceDefinition } from '../../src/index.js'

function ns(prefix: string, flushClass: NamespaceDefinition['flushClass'] = 'safe'): NamespaceDefinition {
  return {
    prefix,
    description: `test namespace ${prefix}`,
    ttl: { default: '1m', min: '1s', max: '10m' },
    flushClass,
    whenRedisDown: 'bypass',
  }
}

/**
 * Namespaces whose prefixes nest (`cache` > `cache:query` > `cache:query:v2`) or share a start
 * (`cache2`, `cache-x`, `cache.y`, `c`): the cases where a prefix match would flush a neighbour.
 */
export function nestedKeyspace(appPrefix?: string) {
  return defineKeyspace({
    ...(appPrefix === undefined ? {} : { prefix: appPrefix }),
    namespaces: {
      cache: ns('cache'),
      query: ns('cache:query'),
      queryV2: ns('cache:query:v2'),
      cache2: ns('cache2'),
      cacheX: ns('cache-x'),
      cacheY: ns('cache.y'),
      c: ns('c'),
      session: ns('session', 'disruptive'),
      lock: ns('lock', 'forbidden'),
    },
  })
}

export const NESTED_NAMES = [
  'cache',
  'query',
  'queryV2',
  'cache2',
  'cacheX',
  'cacheY',
  'c',
  'session',
  'lock',
] as const
export type NestedName = (typeof NESTED_NAMES)[number]
