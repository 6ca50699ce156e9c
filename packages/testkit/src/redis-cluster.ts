import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type NodeAddress, parseInfo, withAdminClient } from './admin-client.js'
import { type ClusterNode, ownsSlot, parseClusterNodes } from './cluster-node.js'
import { sharedConfig } from './config-files.js'
import { freePorts } from './free-port.js'
import { disposeAll, startAll } from './group-lifecycle.js'
import { pollUntil, type WaitOptions } from './poll.js'
import { retryOnPortClash } from './port-clash.js'
import { redisCliBinary } from './redis-binary.js'
import { assertPassword, passwordEnv, RedisProcess } from './redis-process.js'
import { replicaCaughtUp } from './replica-caught-up.js'
import { SlotMigration } from './slot-migration.js'
import { type TestCertificates, tlsEnv } from './tls-certificates.js'

const run = promisify(execFile)

export const CLUSTER_SLOTS = 16_384

export interface ClusterOptions {
  /** Extra redis.conf directives for every node. */
  config?: readonly string[]
  /** A password every node requires (also used between nodes and by redis-cli). */
  password?: string
  /** Every node listens with TLS only (clients and the cluster bus), with these certificates. */
  tls?: TestCertificates
  /** Masters, each with one replica; 3 by default (the minimum Redis Cluster accepts). */
  masters?: number
  /** Bound on the whole start, readiness included. */
  readyTimeoutMs?: number
  signal?: AbortSignal
}

/**
 * A Redis Cluster on loopback: three masters and three replicas by default, real processes,
 * created with `redis-cli --cluster create`. Its `env` is what `loadRedisConfig` reads for
 * cluster mode. Fault helpers: `masters()` / `replicas()` (with each node's `RedisProcess`),
 * `waitForPromotion()`, `slotOwner()`, `migrateSlot()` / `beginSlotMigration()`.
 */
export class RedisCluster implements AsyncDisposable {
  readonly nodes: readonly RedisProcess[]

  private constructor(nodes: RedisProcess[]) {
    this.nodes = nodes
  }

  /** Starts the nodes, creates the cluster and resolves once every node reports cluster_state:ok with all slots covered. */
  static start(options: ClusterOptions = {}): Promise<RedisCluster> {
    return retryOnPortClash(() => RedisCluster.#startOnce(options))
  }

  static async #startOnce(options: ClusterOptions): Promise<RedisCluster> {
    const masters = options.masters ?? 3
    if (!Number.isInteger(masters) || masters < 3) {
      throw new RangeError(`a cluster needs an integer number of masters, at least 3, got ${masters}`)
    }
    assertPassword(options.password)
    const count = masters * 2
    const readyTimeoutMs = options.readyTimeoutMs ?? 60_000
    // The bus port is set explicitly (cluster-port) rather than port + 10000, which can
    // exceed 65535 for a port from the ephemeral range.
    const ports = await freePorts(count * 2)
    const started = await startAll(
      ports.slice(0, count).map((port, index) =>
        RedisProcess.start({
          port,
          config: [
            ...sharedConfig('cluster-node.conf'),
            `cluster-port ${ports[count + index]}`,
            ...(options.tls ? ['tls-cluster yes'] : []),
            ...(options.config ?? []),
          ],
          password: options.password,
          tls: options.tls,
        }),
      ),
    )
    try {
      const cluster = new RedisCluster(started)
      await run(
        redisCliBinary(),
        [
          '--cluster',
          'create',
          ...started.map((node) => `${node.host}:${node.port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
          ...(options.tls ? ['--tls', '--cacert', options.tls.caFile] : []),
        ],
        {
          timeout: readyTimeoutMs,
          signal: options.signal,
          // REDISCLI_AUTH rather than -a: the password stays out of the process list.
          env:
            options.password === undefined
              ? process.env
              : { ...process.env, REDISCLI_AUTH: options.password },
        },
      )
      await cluster.waitUntilHealthy({ timeoutMs: readyTimeoutMs, signal: options.signal })
      return cluster
    } catch (error) {
      await disposeAll(started)
      throw error
    }
  }

  /** Every node's address, as `loadRedisConfig` wants them in REDIS_CLUSTER_NODES. */
  get startupNodes(): NodeAddress[] {
    return this.nodes.map((node) => node.address)
  }

  /** The environment `loadRedisConfig` reads to connect to this cluster. */
  get env(): Record<string, string> {
    return {
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: this.nodes.map((node) => `${node.host}:${node.port}`).join(','),
      ...passwordEnv(this.nodes[0]?.password),
      ...tlsEnv(this.nodes[0]?.certificates),
    }
  }

  /** The cluster as a reachable node sees it (CLUSTER NODES). */
  async topology(): Promise<ClusterNode[]> {
    let lastError: unknown
    for (const node of this.#reachable()) {
      try {
        const reply = await withAdminClient(node, (redis) => redis.call('CLUSTER', 'NODES'))
        return parseClusterNodes(String(reply), this.nodes)
      } catch (error) {
        lastError = error
      }
    }
    throw new Error('no node of the cluster answered CLUSTER NODES', { cause: lastError })
  }

  /** The masters that serve slots (a failed master that lost its slots is left out). */
  async masters(): Promise<ClusterNode[]> {
    return (await this.topology()).filter((node) => node.role === 'master' && node.slots.length > 0)
  }

  async replicas(): Promise<ClusterNode[]> {
    return (await this.topology()).filter((node) => node.role === 'replica')
  }

  /** The node's cluster id (CLUSTER MYID). */
  async nodeId(node: RedisProcess): Promise<string> {
    return String(await withAdminClient(node, (redis) => redis.call('CLUSTER', 'MYID')))
  }

  /** The hash slot of a key (CLUSTER KEYSLOT, so hash tags count exactly as Redis counts them). */
  async keySlot(key: string): Promise<number> {
    const [node] = this.#reachable()
    if (!node) throw new Error('no reachable node')
    return Number(await withAdminClient(node, (redis) => redis.call('CLUSTER', 'KEYSLOT', key)))
  }

  /** The master that serves `slot`. */
  async slotOwner(slot: number): Promise<ClusterNode> {
    assertSlot(slot)
    const owner = (await this.masters()).find((node) => ownsSlot(node, slot))
    if (!owner) throw new Error(`no master serves slot ${slot}`)
    return owner
  }

  /**
   * Waits until another node (its replica) serves the slots of `failedMaster` (a node from
   * `masters()` taken before the fault) and every reachable node reports cluster_state:ok.
   * Returns the promoted node.
   */
  async waitForPromotion(failedMaster: ClusterNode, options: WaitOptions = {}): Promise<ClusterNode> {
    const [firstRange] = failedMaster.slots
    if (!firstRange) throw new Error(`${failedMaster.id} served no slots`)
    return pollUntil(
      async () => {
        const owner = (await this.masters()).find((node) => ownsSlot(node, firstRange[0]))
        if (!owner || owner.id === failedMaster.id) return undefined
        return (await this.#healthy(this.#reachable())) ? owner : undefined
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        signal: options.signal,
        intervalMs: 100,
        what: `a replica of :${failedMaster.port} to take over its slots`,
      },
    )
  }

  /**
   * Waits until every reachable node reports cluster_state:ok with all 16384 slots served, knows
   * every node without a handshake or failure pending, and every replica's link is up.
   */
  async waitUntilHealthy(options: WaitOptions = {}): Promise<void> {
    await pollUntil(async () => ((await this.#healthy(this.#reachable())) ? true : undefined), {
      timeoutMs: options.timeoutMs ?? 30_000,
      signal: options.signal,
      what: 'cluster_state:ok with all slots served on every node',
    })
  }

  /**
   * Starts moving `slot` to the master `toNodeId` (IMPORTING / MIGRATING), so that a test can
   * observe ASK redirections before it moves the keys and finishes the migration.
   */
  async beginSlotMigration(slot: number, toNodeId: string): Promise<SlotMigration> {
    assertSlot(slot)
    const nodes = await this.topology()
    const source = nodes.find((node) => node.role === 'master' && ownsSlot(node, slot))
    const target = nodes.find((node) => node.id === toNodeId)
    if (!source) throw new Error(`no master serves slot ${slot}`)
    if (target?.role !== 'master') throw new Error(`${toNodeId} is not a master of this cluster`)
    if (source.id === target.id) throw new Error(`slot ${slot} is already served by ${toNodeId}`)
    const masters = nodes.filter((node) => node.role === 'master' && !node.flags.includes('fail'))
    return SlotMigration.begin({
      slot,
      source,
      target,
      masters,
      waitUntilHealthy: () => this.waitUntilHealthy(),
    })
  }

  /** Moves `slot` with all its keys to the master `toNodeId` (the whole migration in one call). */
  async migrateSlot(slot: number, toNodeId: string): Promise<void> {
    const migration = await this.beginSlotMigration(slot, toNodeId)
    while ((await migration.moveKeys()) > 0) {
      // until the slot is empty on the source
    }
    await migration.finish()
  }

  /** Kills every node and removes their directories. */
  async [Symbol.asyncDispose](): Promise<void> {
    await disposeAll(this.nodes)
  }

  #reachable(): RedisProcess[] {
    return this.nodes.filter((node) => node.running && !node.paused)
  }

  async #healthy(reachable: readonly RedisProcess[]): Promise<boolean> {
    if (reachable.length === 0) return false
    const views = await Promise.all(
      reachable.map((node) =>
        withAdminClient(node, async (redis) => {
          const info = parseInfo(String(await redis.call('CLUSTER', 'INFO')))
          const known = parseClusterNodes(String(await redis.call('CLUSTER', 'NODES')), this.nodes)
          const replication = parseInfo(await redis.info('replication'))
          const ok =
            info.get('cluster_state') === 'ok' &&
            info.get('cluster_slots_ok') === String(CLUSTER_SLOTS) &&
            Number(info.get('cluster_known_nodes')) === this.nodes.length &&
            (replication.get('role') !== 'slave' || replication.get('master_link_status') === 'up')
          return ok ? settledView(known) : undefined
        }),
      ),
    )
    // Right after `--cluster create`, gossip has not yet told every node which nodes are
    // replicas: healthy means every node holds the same, settled picture.
    const [first] = views
    if (first === undefined || views.some((view) => view !== first)) return false
    // And every replica acknowledges what its master writes now: a link reported up is not yet a
    // stream that flows after a diskless sync (replicaCaughtUp, ADR-0015).
    const pairs = await Promise.all(
      reachable.map(async (node) => {
        const replication = parseInfo(await withAdminClient(node, (redis) => redis.info('replication')))
        if (replication.get('role') !== 'slave') return true
        const master = reachable.find(
          (candidate) => candidate.port === Number(replication.get('master_port')),
        )
        return master === undefined || replicaCaughtUp(master, node)
      }),
    )
    return pairs.every(Boolean)
  }
}

/**
 * The live part of one node's CLUSTER NODES as a comparable string, or undefined while it is not
 * settled: a live node still in handshake, suspected, or a master that neither serves slots nor
 * replicates.
 */
function settledView(nodes: readonly ClusterNode[]): string | undefined {
  const live = nodes.filter((node) => node.process.running && !node.process.paused)
  const settled = live.every(
    (node) =>
      !node.flags.some(
        (flag) => flag === 'handshake' || flag === 'noaddr' || flag === 'fail?' || flag === 'fail',
      ) && (node.role === 'master' ? node.slots.length > 0 : node.masterId !== undefined),
  )
  if (!settled) return undefined
  return live
    .map(
      (node) =>
        `${node.id} ${node.role} ${node.masterId ?? '-'} ${node.slots.map((range) => range.join('-')).join(',')}`,
    )
    .sort()
    .join('\n')
}

function assertSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_SLOTS) {
    throw new RangeError(`a slot is an integer in [0, ${CLUSTER_SLOTS - 1}], got ${slot}`)
  }
}

/** Starts a cluster; see `RedisCluster`. */
export function startCluster(options: ClusterOptions = {}): Promise<RedisCluster> {
  return RedisCluster.start(options)
}
