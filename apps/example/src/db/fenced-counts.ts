import { RedlayerError } from '@redlayer/connection'
import type { Database, Queryable } from './database.js'

export interface EntityCount {
  readonly kind: string
  readonly entities: number
}

export interface StoredEntityCount extends EntityCount {
  readonly fence: string
  readonly computedAt: Date
}

/** The job whose fence guards `entity_counts`. */
export const RECOUNT_JOB = 'entity-counts'

/**
 * ADR-0030: the resource checks the fence. Raises the job's recorded fence to `fence`, or throws
 * `E_FENCED` when a higher one already wrote: the caller's lock lease ended and a newer holder
 * took over. The row stays locked until the transaction ends, so fenced writes are serialized.
 */
async function claimFence(tx: Queryable, fence: bigint): Promise<void> {
  const rows = await tx.query(
    `INSERT INTO job_fences (job, fence) VALUES ($1, $2)
     ON CONFLICT (job) DO UPDATE SET fence = EXCLUDED.fence WHERE job_fences.fence <= EXCLUDED.fence
     RETURNING fence`,
    [RECOUNT_JOB, fence.toString()],
  )
  if (rows.length === 0) {
    throw new RedlayerError(
      'E_FENCED',
      `a newer holder of the ${RECOUNT_JOB} lock has written; fence ${fence} is stale`,
      {
        details: { fence: fence.toString() },
      },
    )
  }
}

/** Writes one batch of counts in one transaction, if `fence` is still the newest. */
export async function writeCountBatch(
  db: Database,
  fence: bigint,
  batch: readonly EntityCount[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await claimFence(tx, fence)
    if (batch.length === 0) return
    const values = batch.map((_, i) => `($${2 * i + 2}, $${2 * i + 3}::int, $1::bigint, now())`).join(', ')
    await tx.query(
      `INSERT INTO entity_counts (kind, entities, fence, computed_at) VALUES ${values}
       ON CONFLICT (kind) DO UPDATE
       SET entities = EXCLUDED.entities, fence = EXCLUDED.fence, computed_at = EXCLUDED.computed_at`,
      [fence.toString(), ...batch.flatMap((c) => [c.kind, c.entities])],
    )
  })
}

/** Removes the counts that the run with `fence` did not write (kinds that no longer exist). */
export async function pruneCounts(db: Database, fence: bigint): Promise<number> {
  return db.transaction(async (tx) => {
    await claimFence(tx, fence)
    const rows = await tx.query('DELETE FROM entity_counts WHERE fence < $1 RETURNING kind', [
      fence.toString(),
    ])
    return rows.length
  })
}

export async function readCounts(db: Queryable): Promise<StoredEntityCount[]> {
  const rows = await db.query<{ kind: string; entities: number; fence: string; computed_at: Date | string }>(
    'SELECT kind, entities, fence::text AS fence, computed_at FROM entity_counts ORDER BY kind',
  )
  return rows.map((r) => ({
    kind: r.kind,
    entities: r.entities,
    fence: r.fence,
    computedAt: new Date(r.computed_at),
  }))
}
