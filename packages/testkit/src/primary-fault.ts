import type { ClusterNode } from './cluster-node.js'
import { sharedConfig } from './config-files.js'
import type { WaitOptions } from './poll.js'
import type { RedisProcess } from './redis-process.js'
import type { ClusterTopology, SentinelTopology } from './topology.js'

/** How the primary fails: `kill` is kill -9 (sockets closed at once), `pause` is SIGSTOP (it hangs, sockets open). */
export const PRIMARY_FAULTS = ['kill', 'pause'] as const
export type PrimaryFaultKind = (typeof PRIMARY_FAULTS)[number]

/** A primary that was just killed or paused, and the wait for its replacement. */
export interface PrimaryFault {
  readonly kind: PrimaryFaultKind
  /** The process that failed (still paused for `pause`, until the topology is disposed or it is resumed). */
  readonly failed: RedisProcess
  /**
   * Waits until the replica is promoted: on Sentinel every reachable sentinel names it and it
   * accepts writes; on Cluster it serves the failed master's slots and every reachable node is ok.
   */
  waitForPromotion(options?: WaitOptions): Promise<RedisProcess>
}

/**
 * Kills (kill -9) or pauses (SIGSTOP) the primary of a Sentinel group, or on a Cluster the
 * master serving `key` (the first master without one), and returns at once: the caller's load
 * runs on while the failover happens.
 */
export async function failPrimary(
  topology: SentinelTopology | ClusterTopology,
  kind: PrimaryFaultKind,
  options: { key?: string } = {},
): Promise<PrimaryFault> {
  if (!(PRIMARY_FAULTS as readonly string[]).includes(kind))
    throw new TypeError(`a primary fault is one of ${PRIMARY_FAULTS.join(', ')}, got ${String(kind)}`)
  if (topology.kind === 'sentinel') {
    const { group } = topology
    const failed = await group.primary()
    await inject(failed, kind)
    return {
      kind,
      failed,
      waitForPromotion: (wait = {}) => group.waitForPrimaryChange(failed.port, wait.timeoutMs, wait.signal),
    }
  }
  const { cluster } = topology
  let master: ClusterNode | undefined
  if (options.key === undefined) [master] = await cluster.masters()
  else master = await cluster.slotOwner(await cluster.keySlot(options.key))
  if (!master) throw new Error('the cluster has no master to fail')
  const target = master
  await inject(target.process, kind)
  return {
    kind,
    failed: target.process,
    waitForPromotion: async (wait = {}) => (await cluster.waitForPromotion(target, wait)).process,
  }
}

async function inject(process: RedisProcess, kind: PrimaryFaultKind): Promise<void> {
  if (kind === 'kill') await process.kill()
  else process.pause()
}

/** The failover settings of the shared config files, in ms (what the topologies run with). */
export interface FailoverSettings {
  /** Sentinel `down-after-milliseconds`. */
  readonly sentinelDownAfterMs: number
  /** Sentinel `failover-timeout`: the bound on one election and promotion. */
  readonly sentinelFailoverTimeoutMs: number
  /** Cluster `cluster-node-timeout`. */
  readonly clusterNodeTimeoutMs: number
}

export function failoverSettings(): FailoverSettings {
  const directive = (file: 'sentinel.conf' | 'cluster-node.conf', name: string) => {
    const line = sharedConfig(file).find((candidate) => candidate.startsWith(`${name} `))
    const value = Number(line?.split(/\s+/).at(-1))
    if (!Number.isInteger(value) || value <= 0) throw new Error(`config/${file} sets no ${name}`)
    return value
  }
  return {
    sentinelDownAfterMs: directive('sentinel.conf', 'sentinel down-after-milliseconds'),
    sentinelFailoverTimeoutMs: directive('sentinel.conf', 'sentinel failover-timeout'),
    clusterNodeTimeoutMs: directive('cluster-node.conf', 'cluster-node-timeout'),
  }
}

/**
 * The longest a failover may take by the settings: detection (down-after or the node timeout)
 * plus the election and promotion (Sentinel's failover timeout; on Cluster a replica waits at
 * most about one node timeout more before it asks for votes), before any slack a test adds for
 * the client to follow.
 */
export function failoverBoundMs(kind: 'sentinel' | 'cluster', settings = failoverSettings()): number {
  return kind === 'sentinel'
    ? settings.sentinelDownAfterMs + settings.sentinelFailoverTimeoutMs
    : 2 * settings.clusterNodeTimeoutMs
}
