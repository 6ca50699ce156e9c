import { serverErrorCounts } from './error-stats.js'
import type { RedisCluster } from './redis-cluster.js'

/** Where a slot migration is when `use` runs. */
export type MigrationPhase = 'migrating' | 'moved'

export interface MigrationRedirects {
  /** The slot moved, and the masters it moved between (ports). */
  readonly slot: number
  readonly from: number
  readonly to: number
  /** ASK and MOVED replies the servers sent while `use` ran (INFO errorstats deltas). */
  readonly ask: number
  readonly moved: number
  /** Every error reply the servers sent meanwhile, by code (ASK and MOVED included). */
  readonly errors: Readonly<Record<string, number>>
}

/**
 * Moves the slot of `key` to another master by hand while a package uses it (ADR-0015):
 * IMPORTING/MIGRATING, every key of the slot MIGRATEd, then `use('migrating')` (the old owner
 * answers ASK for them), then SETSLOT NODE everywhere, then `use('moved')` (a client that still
 * maps the slot to the old owner gets MOVED). Returns the redirections the servers sent, so a test
 * can check that the client really met them and followed them.
 */
export async function migrateSlotUnderUse(
  cluster: RedisCluster,
  key: string,
  use: (phase: MigrationPhase) => Promise<void>,
): Promise<MigrationRedirects> {
  const slot = await cluster.keySlot(key)
  const source = await cluster.slotOwner(slot)
  const target = (await cluster.masters()).find((master) => master.id !== source.id)
  if (!target) throw new Error('the cluster has a single master: nowhere to move a slot')
  const before = await serverErrorCounts(cluster.nodes)
  const migration = await cluster.beginSlotMigration(slot, target.id)
  while ((await migration.moveKeys()) > 0) {
    // every key of the slot, so that the old owner answers ASK for each of them
  }
  await use('migrating')
  await migration.finish()
  await use('moved')
  const after = await serverErrorCounts(cluster.nodes)
  const errors: Record<string, number> = {}
  for (const [code, count] of Object.entries(after)) {
    const delta = count - (before[code] ?? 0)
    if (delta > 0) errors[code] = delta
  }
  return { slot, from: source.port, to: target.port, ask: errors.ASK ?? 0, moved: errors.MOVED ?? 0, errors }
}
