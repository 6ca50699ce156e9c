import { RedisCluster } from './redis-cluster.js'
import { passwordEnv, type RedisProcess, startRedis } from './redis-process.js'
import { SentinelGroup } from './sentinel-group.js'
import { type TestCertificates, tlsEnv } from './tls-certificates.js'

// ADR-0015: standalone, then Sentinel, then Cluster, switched by configuration only. Every
// integration suite runs the same test code on each, connecting through the env below.
export const TOPOLOGIES = ['standalone', 'sentinel', 'cluster'] as const
export type TopologyKind = (typeof TOPOLOGIES)[number]

export interface TopologyOptions {
  /** Extra redis.conf directives for every data node (not the sentinels). */
  config?: readonly string[]
  /** A password every data node requires; `env` then carries REDIS_PASSWORD. */
  password?: string
  /**
   * Every process listens with TLS only, with these certificates (`makeTestCertificates()`);
   * `env` then carries REDIS_TLS and REDIS_TLS_CA_FILE.
   */
  tls?: TestCertificates
  /** Bound on the start, readiness included. */
  readyTimeoutMs?: number
  signal?: AbortSignal
}

interface TopologyBase extends AsyncDisposable {
  readonly kind: TopologyKind
  /** What `loadRedisConfig` from @redlayer/connection reads: REDIS_MODE plus the addresses. */
  readonly env: Record<string, string>
  /** Every process of the topology (data nodes and sentinels). */
  readonly processes: readonly RedisProcess[]
}

export interface StandaloneTopology extends TopologyBase {
  readonly kind: 'standalone'
  readonly server: RedisProcess
}

export interface SentinelTopology extends TopologyBase {
  readonly kind: 'sentinel'
  readonly group: SentinelGroup
}

export interface ClusterTopology extends TopologyBase {
  readonly kind: 'cluster'
  readonly cluster: RedisCluster
}

export type Topology = StandaloneTopology | SentinelTopology | ClusterTopology
export type TopologyOf<K extends TopologyKind> = Extract<Topology, { kind: K }>

/**
 * Starts one topology and resolves once it is ready. Use it with `await using`, and connect with
 * `createRedis(loadRedisConfig(topology.env))`.
 */
export async function startTopology<K extends TopologyKind>(
  kind: K,
  options: TopologyOptions = {},
): Promise<TopologyOf<K>> {
  return (await start(kind, options)) as TopologyOf<K>
}

async function start(kind: TopologyKind, options: TopologyOptions): Promise<Topology> {
  switch (kind) {
    case 'standalone': {
      const server = await startRedis({
        config: options.config,
        password: options.password,
        tls: options.tls,
        startTimeoutMs: options.readyTimeoutMs,
      })
      return {
        kind,
        server,
        env: {
          REDIS_MODE: 'standalone',
          REDIS_URL: server.url,
          ...passwordEnv(server.password),
          ...tlsEnv(server.certificates),
        },
        processes: [server],
        [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
      }
    }
    case 'sentinel': {
      const group = await SentinelGroup.start(options)
      return {
        kind,
        group,
        env: group.env,
        processes: [...group.nodes, ...group.sentinels],
        [Symbol.asyncDispose]: () => group[Symbol.asyncDispose](),
      }
    }
    case 'cluster': {
      const cluster = await RedisCluster.start(options)
      return {
        kind,
        cluster,
        env: cluster.env,
        processes: cluster.nodes,
        [Symbol.asyncDispose]: () => cluster[Symbol.asyncDispose](),
      }
    }
    default:
      throw new TypeError(`unknown topology ${String(kind)}; expected one of ${TOPOLOGIES.join(', ')}`)
  }
}

/**
 * The topologies to run, from REDLAYER_TOPOLOGIES (a comma list, e.g. `standalone,cluster`);
 * all three when unset or empty. An unknown name is an error, so a typo never silently skips a
 * topology.
 */
export function topologiesFromEnv(env: Record<string, string | undefined> = process.env): TopologyKind[] {
  const raw = env.REDLAYER_TOPOLOGIES?.trim()
  if (!raw) return [...TOPOLOGIES]
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  const unknown = names.filter((name) => !(TOPOLOGIES as readonly string[]).includes(name))
  if (unknown.length > 0) {
    throw new Error(
      `REDLAYER_TOPOLOGIES names unknown topologies (${unknown.join(', ')}); expected a comma list of ${TOPOLOGIES.join(', ')}`,
    )
  }
  return TOPOLOGIES.filter((kind) => names.includes(kind))
}
