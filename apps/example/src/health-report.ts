import type { RedisHealth, RedisNodeHealth } from '@redlayer/connection'
import { formatMemory } from '../public/memory-size.js'
import { formatTable } from './text-table.js'

const unknown = 'unknown'

function memory(node: RedisNodeHealth): string {
  const used = node.usedMemoryBytes === null ? unknown : `${formatMemory(node.usedMemoryBytes)} used`
  const limit =
    node.maxmemoryBytes === null
      ? `limit ${unknown}`
      : node.maxmemoryBytes === 0
        ? 'no limit'
        : `limit ${formatMemory(node.maxmemoryBytes)}`
  return `${used}, ${limit}`
}

function flag(value: boolean | null): string {
  return value === null ? unknown : value ? 'on' : 'off'
}

/**
 * The health of the connected Redis for people: mode, server version, role, latency, memory and
 * its policy, persistence, replicas; in cluster mode also one line per master.
 */
export function formatHealthReport(health: RedisHealth): string {
  const lines = [
    `Redis health: ${health.ok ? 'ok' : `NOT ok (${health.error ?? 'no reason given'})`}`,
    formatTable([
      ['mode', health.mode],
      ['address', health.address],
      ['server version', health.serverVersion ?? unknown],
      ['role', health.role ?? unknown],
      ['latency', health.latencyMs === null ? unknown : `${health.latencyMs.toFixed(3)} ms (one PING)`],
      ['memory', memory(health)],
      ['maxmemory-policy', health.maxmemoryPolicy ?? unknown],
      ['persistence', `AOF ${flag(health.persistence.aof)}, RDB snapshots ${flag(health.persistence.rdb)}`],
      ['replicas', health.replicas === null ? unknown : String(health.replicas)],
      ...(health.clusterState === undefined ? [] : [['cluster state', health.clusterState]]),
    ]),
  ]
  if (health.mode === 'cluster') {
    lines.push(
      'Masters:',
      formatTable([
        ['address', 'ok', 'latency', 'memory', 'replicas'],
        ...health.nodes.map((node) => [
          node.address,
          node.ok ? 'yes' : `no: ${node.error ?? unknown}`,
          node.latencyMs === null ? unknown : `${node.latencyMs.toFixed(3)} ms`,
          memory(node),
          node.replicas === null ? unknown : String(node.replicas),
        ]),
      ]),
    )
  }
  return lines.join('\n')
}
