import { mastersOf, type RedisClient, RedlayerError } from '@redlayer/connection'
import type { Redis } from 'ioredis'

/**
 * The masters to scan. A cluster client knows its masters only once it has loaded the slot map;
 * an empty list would make a flush or an audit report "nothing there", so it is an outage instead.
 */
export function mastersToScan(redis: RedisClient): Redis[] {
  const masters = mastersOf(redis)
  if (masters.length === 0) {
    throw new RedlayerError(
      'E_REDIS_UNAVAILABLE',
      'no Redis master is known yet (the cluster client is not ready)',
      {
        details: { status: redis.status },
      },
    )
  }
  return masters
}

/**
 * SCAN one node with MATCH and COUNT, batch by batch, checking `signal` before each call. SCAN
 * never blocks the server the way KEYS does; a key may come twice when the table is rehashed.
 */
export async function* scanBatches(
  node: Redis,
  pattern: string,
  count: number,
  signal?: AbortSignal,
): AsyncGenerator<string[]> {
  let cursor = '0'
  do {
    signal?.throwIfAborted()
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count)
    cursor = next
    if (keys.length > 0) yield keys
  } while (cursor !== '0')
}

/** A node's address for reports (`127.0.0.1:7000`); never credentials. */
export function nodeLabel(node: Redis): string {
  const { host, port, sentinels, name } = node.options
  if (sentinels && sentinels.length > 0) return `sentinel:${name ?? 'mymaster'}`
  return `${host ?? 'localhost'}:${port ?? 6379}`
}

/**
 * Runs `command...key` once per key in one pipeline (one round trip); throws the first error.
 * Single-key commands never fail with CROSSSLOT, whatever slots the keys of a cluster node are in.
 */
export async function perKeyPipeline(
  node: Redis,
  command: readonly string[],
  keys: readonly string[],
): Promise<unknown[]> {
  const replies = (await node.pipeline(keys.map((key) => [...command, key])).exec()) ?? []
  return replies.map(([error, value]) => {
    if (error) throw error
    return value
  })
}
