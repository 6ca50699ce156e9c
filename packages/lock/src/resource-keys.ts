import { RedlayerError } from '@redlayer/connection'
import type { KeyPart, Keyspace } from '@redlayer/keyspace'
import calculateSlot from 'cluster-key-slot'

/**
 * What a lock or semaphore is named by: a key part (`'invoice:42'`, `42`), or a
 * `[group, name]` pair. Resources of one group share a hash tag, hence one Cluster slot, so they
 * can be locked together (`acquireMany`). A resource must be named the same way everywhere it is
 * locked: `'a'` and `['a', 'b']` are different resources.
 */
export type LockResource = KeyPart | readonly [group: KeyPart, name: KeyPart]

/** The keys of one mutex resource (ADR-0030: lock key and fence counter share a hash tag). */
export interface ResourceKeys {
  readonly lock: string
  readonly fence: string
  /** Pub/sub channel the release script publishes on (a name, never a key that exists). */
  readonly channel: string
}

/** The queue of a resource's fair waiters (issue 19, ADR-0030), in the resource's slot. */
export interface QueueKeys {
  /** Waiter tokens by arrival. */
  readonly waiters: string
  /** The same tokens by the end of their liveness window. */
  readonly until: string
}

/** The keys of one semaphore. */
export interface SemaphoreKeys {
  readonly holders: string
  readonly channel: string
}

function familyAndName<N extends string>(keyspace: Keyspace<N>, namespace: N, resource: LockResource) {
  if (Array.isArray(resource)) {
    const [group, name] = resource as readonly [KeyPart, KeyPart]
    if (resource.length !== 2) {
      throw new RedlayerError('E_INVALID_RESOURCE', 'a grouped resource is a [group, name] pair')
    }
    return { family: keyspace.family(namespace, group), name: [name] }
  }
  return { family: keyspace.family(namespace, resource as KeyPart), name: [] }
}

/** The mutex keys of `resource`, all from the keyspace (resources are user data). */
export function mutexKeys<N extends string>(
  keyspace: Keyspace<N>,
  namespace: N,
  resource: LockResource,
): ResourceKeys {
  const { family, name } = familyAndName(keyspace, namespace, resource)
  return {
    lock: family.key(...name, 'lock'),
    fence: family.key(...name, 'fence'),
    channel: family.key(...name, 'released'),
  }
}

/** The semaphore keys of `resource`. */
export function semaphoreKeys<N extends string>(
  keyspace: Keyspace<N>,
  namespace: N,
  resource: LockResource,
): SemaphoreKeys {
  const { family, name } = familyAndName(keyspace, namespace, resource)
  return { holders: family.key(...name, 'semaphore'), channel: family.key(...name, 'semaphore-released') }
}

/** The keys of one read-write lock (issue 19, ADR-0030), one hash tag. */
export interface ReadWriteKeys {
  /** The writer's token, with its lease as TTL. */
  readonly writer: string
  /** The writer's fence counter. */
  readonly fence: string
  /** Reader tokens by the expiry of their lease. */
  readonly readers: string
  /** A waiting writer's token: new readers wait while it exists. */
  readonly intent: string
  readonly channel: string
}

/** The read-write lock keys of `resource`, apart from its mutex's and semaphore's. */
export function readWriteKeys<N extends string>(
  keyspace: Keyspace<N>,
  namespace: N,
  resource: LockResource,
): ReadWriteKeys {
  const { family, name } = familyAndName(keyspace, namespace, resource)
  return {
    writer: family.key(...name, 'rw', 'writer'),
    fence: family.key(...name, 'rw', 'fence'),
    readers: family.key(...name, 'rw', 'readers'),
    intent: family.key(...name, 'rw', 'intent'),
    channel: family.key(...name, 'rw', 'released'),
  }
}

/**
 * The fair-waiting queue of `resource`, kept apart for a mutex and a semaphore of the same name
 * (`kind`). Made only for a fair call: the others never name it.
 */
export function queueKeys<N extends string>(
  keyspace: Keyspace<N>,
  namespace: N,
  resource: LockResource,
  kind: 'lock' | 'semaphore',
): QueueKeys {
  const { family, name } = familyAndName(keyspace, namespace, resource)
  return { waiters: family.key(...name, kind, 'waiters'), until: family.key(...name, kind, 'waiters-until') }
}

/**
 * Throws `E_CROSS_SLOT` unless every key of `resources` hashes to one Cluster slot. Checked on
 * every topology, so code that works on a single Redis keeps working after a move to Cluster.
 */
export function assertOneSlot(resources: readonly ResourceKeys[]): void {
  const slots = new Set(resources.flatMap((r) => [calculateSlot(r.lock), calculateSlot(r.fence)]))
  if (slots.size > 1) {
    throw new RedlayerError(
      'E_CROSS_SLOT',
      'the resources of one multi-lock must share a Cluster slot: name them as [group, name] pairs of one group',
      { details: { resources: resources.length, slots: slots.size } },
    )
  }
}
