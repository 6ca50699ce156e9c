import { mastersOf, type RedisClient } from '@redlayer/connection'
import { infoInteger, parseInfo } from '@redlayer/connection/internal'
import type { RedisGuard } from '@redlayer/resilience'

/** What the Redis servers (every master, summed) say about memory, clients and evictions. */
export interface ServerStats {
  readonly masters: number
  readonly usedMemoryBytes: number
  /** 0 when a master has no limit: memory use is then unknown as a share. */
  readonly maxmemoryBytes: number
  readonly maxmemoryPolicy: string
  readonly connectedClients: number
  readonly maxClients: number
  readonly evictedKeys: number
  readonly expiredKeys: number
  readonly keyspaceHits: number
  readonly keyspaceMisses: number
  readonly opsPerSecond: number
}

const SUMMED = {
  usedMemoryBytes: 'used_memory',
  maxmemoryBytes: 'maxmemory',
  connectedClients: 'connected_clients',
  maxClients: 'maxclients',
  evictedKeys: 'evicted_keys',
  expiredKeys: 'expired_keys',
  keyspaceHits: 'keyspace_hits',
  keyspaceMisses: 'keyspace_misses',
  opsPerSecond: 'instantaneous_ops_per_sec',
} as const

type Summed = keyof typeof SUMMED

/**
 * INFO memory, clients and stats of every master, through the guard: `null` when Redis is
 * unavailable (the report then says so instead of waiting). A master without a memory limit
 * makes `maxmemoryBytes` 0 for the whole deployment, since a share of "no limit" means nothing.
 */
export async function readServerStats(redis: RedisClient, guard: RedisGuard): Promise<ServerStats | null> {
  return guard.run(
    'monitoring.info',
    async () => {
      const masters = mastersOf(redis)
      const replies = await Promise.all(
        masters.map(async (node) => parseInfo(await node.info('memory', 'clients', 'stats'))),
      )
      const sums = Object.fromEntries(Object.keys(SUMMED).map((k) => [k, 0])) as Record<Summed, number>
      let unlimited = false
      for (const info of replies) {
        for (const [name, field] of Object.entries(SUMMED) as [Summed, string][]) {
          sums[name] += infoInteger(info, field) ?? 0
        }
        if ((infoInteger(info, 'maxmemory') ?? 0) === 0) unlimited = true
      }
      const policies = [...new Set(replies.map((info) => info.get('maxmemory_policy') ?? 'unknown'))]
      return {
        masters: masters.length,
        ...sums,
        maxmemoryBytes: unlimited ? 0 : sums.maxmemoryBytes,
        maxmemoryPolicy: policies.join(', '),
      }
    },
    { fallback: () => null },
  )
}
