import { setTimeout as sleep } from 'node:timers/promises'
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
import { Redis } from 'ioredis'

/** A fault in progress: `clear()` ends it (restart, restore, resume, heal). */
export interface ActiveFault {
  clear(): Promise<void>
}

/** The environment the workloads connect with, and what to dispose after the run. */
export interface Wiring extends AsyncDisposable {
  readonly env: Record<string, string>
}

/** One row of DESIGN.md's fault model. */
export interface Fault {
  readonly name: string
  /** The topologies it applies to (a fault the topology cannot have is not run there). */
  readonly topologies: readonly TopologyKind[]
  /** What the topology must be started with (persistence, a password). */
  readonly topologyOptions?: TopologyOptions
  /**
   * True when no acknowledged write may be lost under this fault: the data survives it (a pause,
   * a full memory, refused connections, persistence with fsync always). False for what the fault
   * model lets go: a restart without persistence, a failover with asynchronous replication.
   */
  readonly keepsData: boolean
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
    clients: readonly { options: object }[],
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
  keepsData: true,
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
    topologies: persistent ? ['standalone'] : ALL,
    ...(persistent ? { topologyOptions: { config: ['appendonly yes', 'appendfsync always'] } } : {}),
    keepsData: persistent,
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
    keepsData: policy === 'noeviction',
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
  keepsData: true,
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

const blackhole: Fault = {
  name: 'blackholed TCP connection',
  // Sentinel and Cluster hand out the nodes' own addresses, which a proxy in front cannot rewrite.
  topologies: ['standalone'],
  keepsData: true,
  holdMs: 4_000,
  async wire(topology) {
    if (topology.kind !== 'standalone') throw new Error('a blackhole is wired on standalone only')
    const proxy: FaultProxy = await startFaultProxy(topology.server.address)
    return {
      env: { ...topology.env, REDIS_URL: proxy.url },
      proxy,
      [Symbol.asyncDispose]: () => proxy[Symbol.asyncDispose](),
    } as Wiring
  },
  async inject(_topology, wiring) {
    const proxy = (wiring as Wiring & { proxy: FaultProxy }).proxy
    proxy.set('blackhole')
    return {
      async clear() {
        proxy.set('pass')
      },
    }
  },
}

const OLD_PASSWORD = 'chaos-old-Secret1'
const NEW_PASSWORD = 'chaos-new-Secret2'

const passwordRotation: Fault = {
  name: 'password rotated live',
  // The sentinels and cluster bus would need the new password too: standalone shows the client side.
  topologies: ['standalone'],
  topologyOptions: { password: OLD_PASSWORD },
  keepsData: true,
  holdMs: 2_000,
  async inject(topology, _wiring, clients) {
    const admins = await Promise.all(dataNodes(topology).map((node) => adminOf(node)))
    // The server takes the new password only and drops every connection: clients that still
    // present the old one are refused (WRONGPASS) until they are given the new one.
    await Promise.all(admins.map((admin) => admin.config('SET', 'requirepass', NEW_PASSWORD)))
    await Promise.all(admins.map(dropClients))
    return {
      async clear() {
        // The deployment rolls the new secret out to the running clients.
        for (const client of clients) Object.assign(client.options, { password: NEW_PASSWORD })
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
    keepsData: false,
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
