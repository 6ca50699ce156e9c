import type { RedisClient } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import type { HeldLease } from './held-lease.js'
import type { LockPolicy } from './options.js'
import type { ReleaseWakeups } from './release-wakeups.js'

/** What a lock manager shares with its locks and semaphores. */
export interface LockContext {
  readonly redis: RedisClient
  readonly guard: RedisGuard
  readonly keyspace: Keyspace<string>
  /** The namespace: also the bounded `namespace` label of every metric. */
  readonly namespace: string
  readonly policy: LockPolicy
  readonly wakeups: ReleaseWakeups
  /** Aborts every wait when the manager closes. */
  readonly closing: AbortSignal
  /** Leases still held, released when the manager closes. */
  readonly live: Set<HeldLease>
}
