import { setTimeout as sleep } from 'node:timers/promises'
import type { CreateRedisOverrides, RedisClient } from '@redlayer/connection'
import {
  type FaultProxy,
  failPrimary,
  fillMemory,
  type RedisProcess,
  startFaultProxy,
  type Topology,
  type TopologyKind,
  type TopologyOptions,
} from '@redlayer/testkit'
import { Cluster, Redis } from 'ioredis'

/** A fault in progress: `clear()` ends it (restart, restore, resume, heal). */
export interface ActiveFault {
  clear(): Promise<void>
}

/** The environment (and client options) the workloads connect with, and what to dispose after the run. */
export interface Wiring extends AsyncDisposable {
  readonly env: Record<string, string>
  readonly overrides?: CreateRedisOverrides
}

/** One row of DESIGN.md's fault model. */
export interface Fault {
  readonly name: string
  /** The topologies it applies to (a fault the topology cannot have is not run there). */
  readonly topologies: readonly TopologyKind[]
  /** What the topology must be started with (persistence, a password). */
  readonly topologyOptions?: TopologyOptions
  /**
   * The topologies on which no acknowledged write may be lost under this fault: the data survives
   * it (a pause, a full memory, refused connections, persistence with fsync always). Not listed:
   * what the fault model lets go, a restart without persistence, a failover with asynchronous
   * replication (a replicated topology fails over when its primary is killed, persistence or not).
   */
  readonly keepsData: readonly TopologyKind[]
  /** How long the fault lasts before it is cleared (or, for a sequence, between steps), in ms. */
  readonly holdMs: number
  /** How the workloads reach the topology (through a fault proxy for a blackhole). */
  wire?(topology: Topology): Promise<Wiring>
  /**
   * Starts the fault. `mark(name)` records an instant on every package's calls (a sequence marks
   * `fault-N` and `promoted-N` for each of its failovers).
   */
  inject(
    topology: Topology,
    wiring: Wiring,
    clients: readonly RedisClient[],
    mark: (name: string) => void,
  ): Promise<ActiveFault>
}

/** The data nodes (not the sentinels). */
function dataNodes(topology: Topology): RedisProcess[] {
  return topology.processes.filter((node) => !node.sentinel)
}

/** A connection of its own to one node for the length of a fault (it must outlive maxclients). */
async function adminOf(node: RedisProcess, password = node.password): Promise<Redis> {
  const admin = new Redis({
    host: node.host,
    port: node.port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  admin.on('error', () => undefined)
  await admin.connect()
  return admin
}

/** Every normal client of `admin`'s node dropped (not `admin` itself): they must reconnect. */
async function dropClients(admin: Redis): Promise<void> {
  await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
}

const ALL: readonly TopologyKind[] = ['standalone', 'sentinel', 'cluster']

const pause: Fault = {
  name: 'SIGSTOP 5 s',
  topologies: ALL,
  keepsData: ALL,
  holdMs: 5_000,
  async inject(topology) {
    const nodes = dataNodes(topology)
    for (const node of nodes) node.pause()
    return {
      async clear() {
        for (const node of nodes) node.resume()
      },
    }
  },
}

/** kill -9 then restart: without persistence the node comes back empty. */
function killAndRestart(persistent: boolean): Fault {
  return {
    name: persistent ? 'kill -9 + restart, AOF fsync always' : 'kill -9 + restart, no persistence',
    topologies: ALL,
    ...(persistent ? { topologyOptions: { config: ['appendonly yes', 'appendfsync always'] } } : {}),
    keepsData: persistent ? ['standalone'] : [],
    holdMs: 1_000,
    async inject(topology) {
      if (topology.kind === 'standalone') {
        await topology.server.kill()
        return { clear: () => topology.server.restart() }
      }
      // A replicated topology fails over; the killed node then comes back as a replica.
      const failure = await failPrimary(topology, 'kill')
      return {
        async clear() {
          await failure.waitForPromotion({ timeoutMs: 60_000 })
          await failure.failed.restart()
        },
      }
    },
  }
}

/** Memory full: refused writes (`noeviction`), or an eviction policy evicting under pressure. */
function memory(policy: 'noeviction' | 'allkeys-lru'): Fault {
  return {
    name: policy === 'noeviction' ? 'OOM under noeviction' : 'eviction under allkeys-lru',
    topologies: ALL,
    // Eviction may take any key, acknowledged ones included: that is what the policy means.
    keepsData: policy === 'noeviction' ? ALL : [],
    holdMs: 3_000,
    async inject(topology) {
      const full = await fillMemory(dataNodes(topology), policy)
      return { clear: async () => full[Symbol.asyncDispose]() }
    },
  }
}

const maxclients: Fault = {
  name: 'maxclients reached',
  topologies: ALL,
  keepsData: ALL,
  holdMs: 3_000,
  async inject(topology) {
    const admins = await Promise.all(dataNodes(topology).map((node) => adminOf(node)))
    // Only the admin connection fits; every client dropped must reconnect, and is refused.
    await Promise.all(admins.map((admin) => admin.config('SET', 'maxclients', '1')))
    await Promise.all(admins.map(dropClients))
    return {
      async clear() {
        await Promise.all(admins.map((admin) => admin.config('SET', 'maxclients', '10000')))
        for (const admin of admins) admin.disconnect()
      },
    }
  },
}

/** The blackhole's wiring: a fault proxy in front of every data node, and the proxies to switch. */
interface ProxiedWiring extends Wiring {
  readonly proxies: readonly FaultProxy[]
}

const blackhole: Fault = {
  name: 'blackholed TCP connection',
  topologies: ALL,
  keepsData: ALL,
  holdMs: 4_000,
  async wire(topology): Promise<ProxiedWiring> {
    const nodes = dataNodes(topology)
    const proxies = await Promise.all(nodes.map((node) => startFaultProxy(node.address)))
    const dispose = async () => {
      await Promise.all(proxies.map((proxy) => proxy[Symbol.asyncDispose]()))
    }
    if (topology.kind === 'standalone') {
      return {
        env: { ...topology.env, REDIS_URL: (proxies[0] as FaultProxy).url },
        proxies,
        [Symbol.asyncDispose]: dispose,
      }
    }
    // Sentinel and Cluster hand out the nodes' own addresses: the client maps each to its proxy
    // (ioredis natMap, what a deployment behind NAT or in containers configures), while the
    // sentinels and the cluster bus still reach the nodes directly and see nothing wrong.
    const natMap = Object.fromEntries(
      nodes.map((node, index) => {
        const proxy = proxies[index] as FaultProxy
        return [`${node.host}:${node.port}`, { host: proxy.host, port: proxy.port }]
      }),
    )
    const overrides: CreateRedisOverrides =
      topology.kind === 'sentinel' ? { redisOptions: { natMap } } : { clusterOptions: { natMap } }
    return { env: topology.env, overrides, proxies, [Symbol.asyncDispose]: dispose }
  },
  async inject(_topology, wiring) {
    const { proxies } = wiring as ProxiedWiring
    for (const proxy of proxies) proxy.set('blackhole')
    return {
      async clear() {
        for (const proxy of proxies) proxy.set('pass')
      },
    }
  },
}

const OLD_PASSWORD = 'chaos-old-Secret1'
const NEW_PASSWORD = 'chaos-new-Secret2'

/**
 * The deployment rolls a new secret out to a running client. ioredis has no public way to do it
 * for a Cluster client: the nodes it creates later take their options from the connection pool's
 * own copy, so that copy is changed too (a real deployment restarts the process, or lets the old
 * and the new password both work during the roll with ACL SETUSER).
 */
function givePassword(client: RedisClient, password: string): void {
  Object.assign(client instanceof Cluster ? (client.options.redisOptions ?? {}) : client.options, {
    password,
  })
  if (!(client instanceof Cluster)) return
  const pool = (client as unknown as { connectionPool?: { redisOptions?: object } }).connectionPool
  if (pool?.redisOptions !== undefined) Object.assign(pool.redisOptions, { password })
  for (const node of client.nodes()) Object.assign(node.options, { password })
}

const passwordRotation: Fault = {
  name: 'password rotated live',
  topologies: ALL,
  topologyOptions: { password: OLD_PASSWORD },
  keepsData: ALL,
  holdMs: 2_000,
  async inject(topology, _wiring, clients) {
    const admins = await Promise.all(dataNodes(topology).map((node) => adminOf(node)))
    // The servers take the new password only (replicas authenticate to their primary with it,
    // and the sentinels to both) and drop every connection: clients that still present the old
    // one are refused (WRONGPASS) until they are given the new one.
    await Promise.all(
      admins.map(async (admin) => {
        await admin.config('SET', 'masterauth', NEW_PASSWORD)
        await admin.config('SET', 'requirepass', NEW_PASSWORD)
      }),
    )
    if (topology.kind === 'sentinel') {
      await Promise.all(
        topology.group.sentinels.map(async (sentinel) => {
          const admin = await adminOf(sentinel)
          try {
            await admin.call('SENTINEL', 'SET', topology.group.name, 'auth-pass', NEW_PASSWORD)
          } finally {
            admin.disconnect()
          }
        }),
      )
    }
    await Promise.all(admins.map(dropClients))
    return {
      async clear() {
        for (const client of clients) givePassword(client, NEW_PASSWORD)
        for (const admin of admins) admin.disconnect()
      },
    }
  },
}

/** kill -9 failovers of a Sentinel group one after another, the killed primary restarted each time. */
function consecutiveFailovers(count: number): Fault {
  return {
    name: `${count} consecutive Sentinel failovers`,
    topologies: ['sentinel'],
    keepsData: [],
    holdMs: 500,
    async inject(topology, _wiring, _clients, mark) {
      if (topology.kind !== 'sentinel') throw new Error('failovers need a Sentinel group')
      for (let i = 0; i < count; i++) {
        mark(`fault-${i}`)
        const failure = await failPrimary(topology, 'kill')
        await failure.waitForPromotion({ timeoutMs: 60_000 })
        mark(`promoted-${i}`)
        await failure.failed.restart()
        // The restarted node must be a synced replica again before the next primary can fail.
        await topology.group.waitUntilHealthy({ timeoutMs: 60_000 })
        await sleep(this.holdMs)
      }
      return { clear: async () => undefined }
    },
  }
}

/** Every fault of the fault model (DESIGN.md), in the order the matrix runs them. */
export function chaosFaults(failovers: number): Fault[] {
  return [
    pause,
    killAndRestart(false),
    killAndRestart(true),
    memory('noeviction'),
    memory('allkeys-lru'),
    maxclients,
    blackhole,
    passwordRotation,
    consecutiveFailovers(failovers),
  ]
}
