import { withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/** What a full memory looks like to the data nodes: refusing writes, or evicting to make room. */
export type MemoryPressure = 'noeviction' | 'allkeys-lru' | 'volatile-lru'

/**
 * A full Redis on every data node of `nodes` (sentinels are skipped): `maxmemory` set to 1 byte,
 * which any dataset exceeds, under the given policy. With `noeviction` every command that may grow
 * memory is refused with OOM while reads, deletes and expiries still work, which is exactly what a
 * production server at its limit does; with an eviction policy each write first evicts keys.
 * Disposing it restores no limit and the policy the nodes had.
 */
export async function fillMemory(
  nodes: readonly RedisProcess[],
  policy: MemoryPressure = 'noeviction',
): Promise<AsyncDisposable> {
  const data = nodes.filter((node) => !node.sentinel)
  const previous = await Promise.all(
    data.map((node) =>
      withAdminClient(node, async (redis) => {
        const [, was] = (await redis.config('GET', 'maxmemory-policy')) as [string, string]
        await redis.config('SET', 'maxmemory-policy', policy)
        await redis.config('SET', 'maxmemory', '1')
        return was
      }),
    ),
  )
  return {
    async [Symbol.asyncDispose]() {
      await Promise.all(
        data.map(
          (node, index) =>
            withAdminClient(node, async (redis) => {
              await redis.config('SET', 'maxmemory', '0')
              await redis.config('SET', 'maxmemory-policy', previous[index] ?? 'noeviction')
            }).catch(() => undefined), // a node a test killed has nothing to restore
        ),
      )
    },
  }
}
