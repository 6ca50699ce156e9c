import { performance } from 'node:perf_hooks'
import { Cluster, type Redis } from 'ioredis'
import type { RedisMode } from './config.js'
import { infoInteger, parseInfo } from './info.js'
import { settleWithin } from './settle-within.js'
import { type ClientReadiness, clientReadiness } from './supervise.js'

/** What one server reports about itself. `null` means it did not say (or could not be asked). */
export interface RedisNodeHealth {
  /** host:port of the server the client is connected to. */
  address: string
  ok: boolean
  /** Round trip of one PING, measured with `performance.now()`. */
  latencyMs: number | null
  /** `master` or `slave`, as INFO replication says. */
  role: string | null
  serverVersion: string | null
  maxmemoryPolicy: string | null
  /** 0 means no limit. */
  maxmemoryBytes: number | null
  usedMemoryBytes: number | null
  /** `rdb` comes from CONFIG GET save; null when CONFIG is disabled, renamed or denied by ACL. */
  persistence: { aof: boolean | null; rdb: boolean | null }
  /** Connected replicas. */
  replicas: number | null
  /** Why `ok` is false. */
  error?: string
}

/** The health of a client: for cluster mode the sum over the masters, each also in `nodes`. */
export interface RedisHealth extends RedisNodeHealth {
  mode: RedisMode
  /** Whether the client itself can send commands, and why not (ADR-0010: it never stays ended). */
  client: ClientReadiness
  nodes: RedisNodeHealth[]
  /** `cluster_state` of CLUSTER INFO (cluster mode only). */
  clusterState?: string
}

export interface CheckRedisHealthOptions {
  signal?: AbortSignal
}

/**
 * PINGs the server (every master in cluster mode) and reads INFO and CONFIG GET. It never throws
 * because Redis is down: a node that cannot be reached gives `ok: false` with the reason. Each
 * command is bounded by the client's command timeout; `signal` abandons the whole check.
 */
export async function checkRedisHealth(
  client: Redis | Cluster,
  options: CheckRedisHealthOptions = {},
): Promise<RedisHealth> {
  options.signal?.throwIfAborted()
  const readiness = clientReadiness(client)
  // A client that cannot send is answered without a command: every one would fail at once.
  if (!readiness.ready) return notServing(client, readiness)
  const check = client instanceof Cluster ? clusterHealth(client, readiness) : singleHealth(client, readiness)
  return settleWithin(check, { signal: options.signal })
}

function modeOf(client: Redis | Cluster): RedisMode {
  if (client instanceof Cluster) return 'cluster'
  return client.options.sentinels?.length ? 'sentinel' : 'standalone'
}

function notServing(client: Redis | Cluster, readiness: ClientReadiness): RedisHealth {
  const address =
    client instanceof Cluster
      ? client.nodes('master').map(addressOf).join(', ') || 'unknown'
      : addressOf(client)
  return {
    ...failedNode(address, readiness.reason ?? 'not ready'),
    mode: modeOf(client),
    client: readiness,
    nodes: [],
  }
}

async function singleHealth(client: Redis, readiness: ClientReadiness): Promise<RedisHealth> {
  const node = await nodeHealth(client)
  return { ...node, mode: modeOf(client), client: readiness, nodes: [node] }
}

async function clusterHealth(cluster: Cluster, readiness: ClientReadiness): Promise<RedisHealth> {
  const masters = cluster.nodes('master')
  const [nodes, clusterState] = await Promise.all([
    Promise.all(masters.map(nodeHealth)),
    cluster.cluster('INFO').then(
      (text) => parseInfo(String(text)).get('cluster_state') ?? 'unknown',
      () => 'unknown',
    ),
  ])
  const known = <T>(values: (T | null)[]) => values.filter((v): v is T => v !== null)
  const same = (values: (string | null)[]) => [...new Set(known(values))].join(', ') || null
  const sum = (values: (number | null)[]) =>
    values.length > 0 && known(values).length === values.length
      ? known(values).reduce((a, b) => a + b, 0)
      : null
  const all = (values: (boolean | null)[]) => (values.includes(null) ? null : values.every(Boolean))
  const failed = nodes.filter((n) => !n.ok)
  const latencies = known(nodes.map((n) => n.latencyMs))
  return {
    mode: 'cluster',
    client: readiness,
    address: nodes.map((n) => n.address).join(', '),
    ok: nodes.length > 0 && failed.length === 0 && clusterState === 'ok',
    latencyMs: latencies.length === nodes.length && latencies.length > 0 ? Math.max(...latencies) : null,
    role: same(nodes.map((n) => n.role)),
    serverVersion: same(nodes.map((n) => n.serverVersion)),
    maxmemoryPolicy: same(nodes.map((n) => n.maxmemoryPolicy)),
    maxmemoryBytes: sum(nodes.map((n) => n.maxmemoryBytes)),
    usedMemoryBytes: sum(nodes.map((n) => n.usedMemoryBytes)),
    persistence: {
      aof: all(nodes.map((n) => n.persistence.aof)),
      rdb: all(nodes.map((n) => n.persistence.rdb)),
    },
    replicas: sum(nodes.map((n) => n.replicas)),
    nodes,
    clusterState,
    ...(nodes.length === 0
      ? { error: 'no master is known' }
      : failed.length > 0
        ? { error: `${failed.length} of ${nodes.length} masters failed` }
        : clusterState !== 'ok'
          ? { error: `cluster_state is ${clusterState}` }
          : {}),
  }
}

function addressOf(client: Redis): string {
  const stream = client.stream
  if (stream?.remoteAddress && stream.remotePort) {
    const host = stream.remoteAddress.includes(':') ? `[${stream.remoteAddress}]` : stream.remoteAddress
    return `${host}:${stream.remotePort}`
  }
  return `${client.options.host ?? 'unknown'}:${client.options.port ?? 'unknown'}`
}

async function nodeHealth(client: Redis): Promise<RedisNodeHealth> {
  try {
    const started = performance.now()
    await client.ping()
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000
    const [infoText, save] = await Promise.all([
      client.info(),
      // CONFIG may be renamed away or denied by ACL: then RDB persistence is unknown, not an error.
      client.config('GET', 'save').then(
        (reply) => (Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1].trim() !== '' : null),
        () => null,
      ),
    ])
    const info = parseInfo(infoText)
    const aof = info.get('aof_enabled')
    return {
      address: addressOf(client),
      ok: true,
      latencyMs,
      role: info.get('role') ?? null,
      serverVersion: info.get('redis_version') ?? null,
      maxmemoryPolicy: info.get('maxmemory_policy') ?? null,
      maxmemoryBytes: infoInteger(info, 'maxmemory'),
      usedMemoryBytes: infoInteger(info, 'used_memory'),
      persistence: { aof: aof === undefined ? null : aof === '1', rdb: save },
      replicas: infoInteger(info, 'connected_slaves'),
    }
  } catch (error) {
    return failedNode(addressOf(client), error instanceof Error ? error.message : String(error))
  }
}

function failedNode(address: string, error: string): RedisNodeHealth {
  return {
    address,
    ok: false,
    latencyMs: null,
    role: null,
    serverVersion: null,
    maxmemoryPolicy: null,
    maxmemoryBytes: null,
    usedMemoryBytes: null,
    persistence: { aof: null, rdb: null },
    replicas: null,
    error,
  }
}
