import { withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/** What a full memory looks like to the data nodes: refusing writes, or evicting to make room. */
export type MemoryPressure = 'noeviction' | 'allkeys-lru' | 'volatile-lru'

/**
 * A full Redis on every data node of `nodes` (sentinels are skipped), under the given policy. With
 * `noeviction`, `maxmemory` is 1 byte, which any dataset exceeds: every command that may grow
 * memory is refused with OOM while reads, deletes and expiries still work, which is exactly what a
 * production server at its limit does. With an eviction policy, `maxmemory` is the memory in use
 * now: every write that grows it first evicts keys the policy picks, as a server at its limit
 * under steady traffic does. Disposing it restores no limit and the policy the nodes had.
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
        const used = /^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]
        await redis.config('SET', 'maxmemory', policy === 'noeviction' || used === undefined ? '1' : used)
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
