import { checkRedisHealth, type RedisNodeHealth } from '@redlayer/connection'
import { formatByteSize } from '@redlayer/keyspace'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { formatFields } from '../text-format.js'

const orUnknown = (value: string | number | boolean | null | undefined) =>
  value === null || value === undefined ? 'unknown' : String(value)

const bytes = (value: number | null) => (value === null ? 'unknown' : formatByteSize(value))

function nodeFields(node: RedisNodeHealth): [string, string][] {
  return [
    ['status', node.ok ? 'ok' : `FAILED: ${node.error ?? 'unknown error'}`],
    ['role', orUnknown(node.role)],
    ['version', orUnknown(node.serverVersion)],
    ['latency', node.latencyMs === null ? 'unknown' : `${node.latencyMs} ms`],
    [
      'memory',
      `${bytes(node.usedMemoryBytes)} of ${node.maxmemoryBytes === 0 ? 'no limit' : bytes(node.maxmemoryBytes)}`,
    ],
    ['maxmemory-policy', orUnknown(node.maxmemoryPolicy)],
    ['persistence', `aof ${orUnknown(node.persistence.aof)}, rdb ${orUnknown(node.persistence.rdb)}`],
    ['replicas', orUnknown(node.replicas)],
  ]
}

export const healthCommand: Command = {
  name: 'health',
  summary: 'PING and INFO of the server (every master in cluster mode)',
  usage: 'redlayer health [--json]',
  options: {},
  async run(context) {
    const health = await checkRedisHealth(await context.redis(), { signal: context.signal })
    const lines = [
      `Redis ${health.mode} at ${health.address}: ${health.ok ? 'ok' : `NOT OK (${health.error ?? 'unknown'})`}`,
      ...(health.clusterState === undefined ? [] : [`  cluster_state  ${health.clusterState}`]),
      ...(health.mode === 'cluster'
        ? health.nodes.flatMap((node) => [`  master ${node.address}`, formatFields(nodeFields(node), '    ')])
        : [formatFields(nodeFields(health), '  ')]),
    ]
    return { exitCode: health.ok ? EXIT.ok : EXIT.failed, data: health, text: lines.join('\n') }
  },
}
