import { randomBytes } from 'node:crypto'
import { createRedis, loadRedisConfig, mastersOf, type RedisClient } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { ClusterTopology, RedisProcess, StandaloneTopology } from '@redlayer/testkit'
import { type BenchNamespace, benchKeyspace } from './bench-keyspace.js'
import type { Plan } from './harness.js'

/** How a scenario's client differs from the config's defaults. */
export interface ClientOptions {
  readonly commandTimeoutMs?: number
  readonly autoPipelining?: boolean
  readonly coalesceWrites?: boolean
}

export interface ScaleOptions {
  /** Tiny counts: proves every scenario runs (npm test), measures nothing. */
  readonly quick: boolean
}

/**
 * Where a run sends its commands: one redis-server, or (issue 18, a figure) a Cluster of 3 masters
 * with a replica each, for the scenarios that say they run there.
 */
export const BENCH_TOPOLOGIES = ['standalone', 'cluster'] as const
export type BenchTopologyKind = (typeof BENCH_TOPOLOGIES)[number]
export type BenchTopology = StandaloneTopology | ClusterTopology

/**
 * What a scenario gets: the bench's own Redis (a testkit topology), clients made like the app
 * makes them, a fresh key prefix, and the counts of this run. Every client it hands out is closed
 * by `close()`.
 */
export class BenchContext {
  readonly topology: BenchTopology
  readonly quick: boolean
  readonly #clients: RedisClient[] = []
  readonly #closers: (() => PromiseLike<unknown>)[] = []

  constructor(topology: BenchTopology, options: ScaleOptions) {
    this.topology = topology
    this.quick = options.quick
  }

  /** The one server of a standalone run; a scenario that needs it runs on standalone only. */
  get server(): RedisProcess {
    if (this.topology.kind === 'standalone') return this.topology.server
    throw new Error(`this scenario needs one redis-server, and the run is on ${this.topology.kind}`)
  }

  /** The URL of every data node, for a peer that makes its own client (cache-manager's node-redis). */
  get nodeUrls(): string[] {
    return this.topology.processes.map((process) => process.url)
  }

  /**
   * A plain client from `createRedis`, for raw ioredis and the peers: ADR-0010's timeouts and
   * reconnects, and each command written on its own, as their users' ioredis writes it (on
   * Cluster too). `commandTimeoutMs` overrides the config's; `autoPipelining` turns on ioredis'
   * auto-pipelining and `coalesceWrites` redlayer's coalescing of a tick's writes, for the rows
   * that show what they change.
   */
  redis(name: string, options: ClientOptions = {}): Promise<RedisClient> {
    return this.#open(name, { coalesceWrites: false, ...options })
  }

  /**
   * The client redlayer's packages get in an app: `createRedis` with its defaults (ADR-0010: on
   * Cluster, coalesced writes), unless `coalesceWrites` says otherwise.
   */
  redlayerRedis(name: string, options: ClientOptions = {}): Promise<RedisClient> {
    return this.#open(name, options)
  }

  async #open(name: string, options: ClientOptions): Promise<RedisClient> {
    const config = loadRedisConfig({
      ...this.topology.env,
      ...(options.commandTimeoutMs !== undefined && {
        REDIS_COMMAND_TIMEOUT_MS: String(options.commandTimeoutMs),
      }),
    })
    const client = createRedis(config, {
      connectionName: `bench-${name}`,
      ...(options.coalesceWrites !== undefined && { coalesceWrites: options.coalesceWrites }),
      ...(options.autoPipelining && { redisOptions: { enableAutoPipelining: true } }),
    })
    client.on('error', () => {
      // Expected while the degraded scenario has the server stopped; commands report their own errors.
    })
    this.#clients.push(client)
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
    return client
  }

  /** `SCRIPT LOAD` on every master of `client` (on Cluster each node needs the script); its SHA. */
  async loadScript(client: RedisClient, source: string): Promise<string> {
    const [sha] = await Promise.all(
      mastersOf(client).map((node) => node.script('LOAD', source) as Promise<string>),
    )
    return sha as string
  }

  /** A fresh keyspace (a random application prefix), so no scenario meets another's keys. */
  keyspace(): Keyspace<BenchNamespace> {
    return benchKeyspace(`bench-${randomBytes(4).toString('hex')}`)
  }

  /** A fresh plain prefix for the peers' keys. */
  prefix(name: string): string {
    return `${name}-${randomBytes(4).toString('hex')}:`
  }

  /** Registers something to dispose at the end of the scenario (before the clients close). */
  defer(closer: () => PromiseLike<unknown>): void {
    this.#closers.push(closer)
  }

  /** The plan of a throughput scenario at `concurrency`: tiny in quick mode. */
  plan(concurrency: number, full: { opsPerRound: number; rounds: number; warmupOps?: number }): Plan {
    if (this.quick) return { concurrency, opsPerRound: Math.max(8, concurrency), rounds: 2, warmupOps: 4 }
    return {
      concurrency,
      opsPerRound: full.opsPerRound,
      rounds: full.rounds,
      warmupOps: full.warmupOps ?? Math.max(200, concurrency * 10),
    }
  }

  /** `full` normally, `quick` in quick mode. */
  count(full: number, quick: number): number {
    return this.quick ? quick : full
  }

  async close(): Promise<void> {
    for (const closer of this.#closers.reverse()) await Promise.resolve(closer()).catch(() => undefined)
    this.#closers.length = 0
    await Promise.all(this.#clients.map((client) => client.quit().catch(() => client.disconnect())))
    this.#clients.length = 0
  }
}
