import type { LockManager } from '@redlayer/lock'
import type { Database } from '../db/database.js'
import type { EntityRepository } from '../db/entity-repository.js'
import { type EntityCount, pruneCounts, RECOUNT_JOB, writeCountBatch } from '../db/fenced-counts.js'
import type { ExampleNamespace } from '../keyspace.js'

export interface RecountOptions {
  locks: LockManager<ExampleNamespace>
  db: Database
  repository: EntityRepository
  /** Kinds written per transaction. */
  batchSize: number
  /** How long to wait for a running recount to finish (0: answer `busy` at once). */
  waitMs: number
  /** Called between batches: tests use it to hold the lock while others try. */
  afterBatch?: (() => Promise<void>) | undefined
}

export type RecountResult =
  | {
      readonly status: 'done'
      readonly fence: string
      readonly kinds: number
      readonly batches: number
      readonly pruned: number
      readonly counts: readonly EntityCount[]
      /** When this run held the lock, epoch ms. */
      readonly heldFrom: number
      readonly heldUntil: number
    }
  | { readonly status: 'busy' }

/**
 * Recomputes the entity count per kind under the job's lock: one holder at a time across every
 * instance, the counts written in batches, each batch fenced by the lock's token (ADR-0030), so a
 * holder whose lease ended can never overwrite a newer run. Without Redis the lock is not granted
 * (fail-closed, ADR-0013): `E_REDIS_UNAVAILABLE`.
 */
export async function recountEntities(options: RecountOptions): Promise<RecountResult> {
  const { locks, db, repository, batchSize } = options
  const lock = await locks.tryAcquire(['jobs', RECOUNT_JOB], { wait: options.waitMs, autoExtend: true })
  if (!lock) return { status: 'busy' }
  await using held = lock
  const heldFrom = Date.now()
  const counts = await repository.countByKind()
  let batches = 0
  for (let i = 0; i < counts.length; i += batchSize) {
    // The lease could not be extended (Redis gone, or it ended): stop before writing more.
    held.signal.throwIfAborted()
    await writeCountBatch(db, held.fence, counts.slice(i, i + batchSize))
    batches++
    await options.afterBatch?.()
  }
  held.signal.throwIfAborted()
  const pruned = await pruneCounts(db, held.fence)
  return {
    status: 'done',
    fence: held.fence.toString(),
    kinds: counts.length,
    batches,
    pruned,
    counts,
    heldFrom,
    heldUntil: Date.now(),
  }
}
