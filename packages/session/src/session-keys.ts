import type { Keyspace } from '@redlayer/keyspace'
import type { ParsedSessionId } from './session-id.js'

/** The five keys of a session, in the order every session script expects them. */
export type SessionKeys = readonly [
  meta: string,
  state: string,
  events: string,
  eventIds: string,
  index: string,
]

// ADR-0033: one key family (one hash tag) per owner, so a session and its owner's index share a
// Cluster slot and every key follows from the session id alone.
export function sessionKeys<N extends string>(
  keyspace: Keyspace<N>,
  namespace: N,
  id: ParsedSessionId,
): SessionKeys {
  const family = keyspace.family(namespace, id.owner)
  return [
    family.key('s', id.random, 'meta'),
    family.key('s', id.random, 'state'),
    family.key('s', id.random, 'events'),
    family.key('s', id.random, 'event-ids'),
    family.key('index'),
  ]
}

export function ownerIndexKey<N extends string>(keyspace: Keyspace<N>, namespace: N, owner: string): string {
  return keyspace.family(namespace, owner).key('index')
}
