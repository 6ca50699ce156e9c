import { withAdminClient } from './admin-client.js'
import type { ClusterNode } from './cluster-node.js'

interface SlotMigrationPlan {
  slot: number
  source: ClusterNode
  target: ClusterNode
  masters: readonly ClusterNode[]
  waitUntilHealthy: () => Promise<void>
}

/**
 * One slot being moved from one master to another, the way `redis-cli --cluster reshard` does it:
 * IMPORTING on the target, MIGRATING on the source, MIGRATE of the keys in batches, then
 * SETSLOT NODE everywhere. Between `begin` and `finish`, clients see ASK for keys already moved.
 */
export class SlotMigration {
  readonly slot: number
  readonly source: ClusterNode
  readonly target: ClusterNode
  readonly #plan: SlotMigrationPlan

  private constructor(plan: SlotMigrationPlan) {
    this.#plan = plan
    this.slot = plan.slot
    this.source = plan.source
    this.target = plan.target
  }

  static async begin(plan: SlotMigrationPlan): Promise<SlotMigration> {
    const { slot, source, target } = plan
    await withAdminClient(target.process, (redis) =>
      redis.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id),
    )
    await withAdminClient(source.process, (redis) =>
      redis.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id),
    )
    return new SlotMigration(plan)
  }

  /** Moves up to `count` keys of the slot to the target; returns how many moved (0: none left). */
  async moveKeys(count = 100): Promise<number> {
    const { source, target, slot } = this
    return withAdminClient(source.process, async (redis) => {
      const keys = (await redis.call('CLUSTER', 'GETKEYSINSLOT', slot, count)) as string[]
      if (keys.length === 0) return 0
      const auth = source.process.password === undefined ? [] : ['AUTH', source.process.password]
      await redis.call('MIGRATE', target.host, target.port, '', 0, 5_000, ...auth, 'KEYS', ...keys)
      return keys.length
    })
  }

  /** Moves what is left, assigns the slot to the target on every master, and waits until the cluster is healthy. */
  async finish(): Promise<void> {
    while ((await this.moveKeys()) > 0) {
      // until the slot is empty on the source
    }
    const { slot, target, source } = this
    // Target first, so that it never answers for a slot nobody owns; then the source; then the rest.
    const order = [
      target,
      source,
      ...this.#plan.masters.filter((node) => node.id !== target.id && node.id !== source.id),
    ]
    for (const node of order) {
      if (!node.process.running || node.process.paused) continue
      await withAdminClient(node.process, (redis) =>
        redis.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id),
      )
    }
    await this.#plan.waitUntilHealthy()
  }
}
