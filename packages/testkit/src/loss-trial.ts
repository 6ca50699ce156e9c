import { withAdminClient } from './admin-client.js'
import { pollUntil, sleep } from './poll.js'
import { failPrimary } from './primary-fault.js'
import type { RedisProcess } from './redis-process.js'
import { replicaCaughtUp } from './replica-caught-up.js'
import type { ClusterTopology, SentinelTopology } from './topology.js'

export interface LossTrialOptions<T> {
  topology: SentinelTopology | ClusterTopology
  /** On a Cluster, the master serving this key is killed (the first master without one). */
  key?: string
  /** Concurrent writers (default 4). */
  callers?: number
  /** How long the writers write before the kill, in ms from the first acknowledged write (default 300). */
  writeForMs?: number
  /**
   * Replication lag to simulate, in ms (default 0: none): this long before the kill, the primary
   * drops its link to the replica that will be promoted (CLIENT KILL TYPE replica) and the replica
   * is paused (SIGSTOP) so that it cannot reconnect; it resumes right after the kill. Every write
   * the primary acknowledges in that stretch exists only on the primary that dies. (A pause
   * alone is not lag: the kernel still buffers the replication stream for the paused replica.)
   */
  replicaLagMs?: number
  /**
   * One write; resolve with what the caller was told was written (checked after the failover),
   * or `undefined` when the write was not acknowledged (refused, or not confirmed by a replica).
   */
  write: (caller: number, iteration: number) => Promise<T | undefined>
  /** Bound on the writes of all writers together (default 20 000). */
  maxWrites?: number
  timeoutMs?: number
}

export interface LossTrial<T> {
  /** Every write acknowledged to its caller, before, during or after the failover. */
  readonly acknowledged: readonly T[]
  /** Writes that threw (during the failover) or were not acknowledged. */
  readonly unacknowledged: number
  /** The replica that became the primary. */
  readonly promoted: RedisProcess
}

/**
 * One kill -9 of a primary under a write load, to count afterwards how many acknowledged writes
 * the promoted replica lacks (ADR-0015). Writers write until the replica is promoted; what a test
 * checks on the new primary is up to it.
 */
export async function runLossTrial<T>(options: LossTrialOptions<T>): Promise<LossTrial<T>> {
  const { topology, callers = 4, writeForMs = 300, replicaLagMs = 0, maxWrites = 20_000 } = options
  // Only a replica that has caught up measures the loss of the writes that follow (not of a sync
  // still in progress when the primary dies).
  const replication = await replicationOf(topology, options.key)
  await caughtUp(replication, options.timeoutMs ?? 30_000)
  const acknowledged: T[] = []
  let unacknowledged = 0
  let writes = 0
  let stopped = false
  let firstAcknowledged: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    firstAcknowledged = resolve
  })
  const writers = Array.from({ length: callers }, async (_, caller) => {
    for (let iteration = 0; !stopped && writes < maxWrites; iteration++) {
      writes++
      let written: T | undefined
      try {
        written = await options.write(caller, iteration)
      } catch {
        written = undefined
      }
      if (written !== undefined) {
        acknowledged.push(written)
        firstAcknowledged()
      } else {
        // Refused or failed (the failover): try again a little later, not in a tight loop.
        unacknowledged++
        await sleep(20)
      }
    }
  })
  let promoted: RedisProcess
  try {
    const lagging = replicaLagMs > 0 ? replication : undefined
    await Promise.race([
      started,
      sleep(options.timeoutMs ?? 30_000).then(() => {
        throw new Error('no write was acknowledged before the fault')
      }),
    ])
    await sleep(Math.max(0, writeForMs - replicaLagMs))
    if (lagging) {
      lagging.replica.pause()
      await withAdminClient(lagging.primary, (redis) => redis.call('CLIENT', 'KILL', 'TYPE', 'replica'))
    }
    try {
      await sleep(replicaLagMs)
      const fault = await failPrimary(topology, 'kill', { key: options.key })
      lagging?.replica.resume()
      promoted = await fault.waitForPromotion({ timeoutMs: options.timeoutMs ?? 30_000 })
    } finally {
      if (lagging?.replica.paused) lagging.replica.resume()
    }
  } finally {
    stopped = true
    await Promise.all(writers)
  }
  return { acknowledged, unacknowledged, promoted }
}

/** Waits until the replica has acknowledged everything the primary wrote (`replicaCaughtUp`). */
async function caughtUp(
  { primary, replica }: { primary: RedisProcess; replica: RedisProcess },
  timeoutMs: number,
): Promise<void> {
  await pollUntil(async () => ((await replicaCaughtUp(primary, replica)) ? true : undefined), {
    timeoutMs,
    intervalMs: 100,
    what: `the replica :${replica.port} to acknowledge all of :${primary.port}`,
  })
}

/** The primary that will be killed and the replica that will be promoted. */
async function replicationOf(
  topology: SentinelTopology | ClusterTopology,
  key?: string,
): Promise<{ primary: RedisProcess; replica: RedisProcess }> {
  if (topology.kind === 'sentinel') {
    const primary = await topology.group.primary()
    const [replica] = await topology.group.replicas()
    if (!replica) throw new Error('the Sentinel group has no replica')
    return { primary, replica }
  }
  const { cluster } = topology
  const master =
    key === undefined ? (await cluster.masters())[0] : await cluster.slotOwner(await cluster.keySlot(key))
  const replica = (await cluster.replicas()).find((node) => node.masterId === master?.id)
  if (!master || !replica) throw new Error('the master has no replica')
  return { primary: master.process, replica: replica.process }
}
