import { parseInfo, withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/**
 * The error replies the servers sent so far, by error code (`CROSSSLOT`, `MOVED`, `ASK`...), summed
 * over the given running nodes (INFO errorstats, Redis 6.2+). A test drives a package's paths and
 * then checks, at the servers, that no command was refused with CROSSSLOT (ADR-0015).
 */
export async function serverErrorCounts(nodes: readonly RedisProcess[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const node of nodes) {
    if (!node.running || node.paused) continue
    const info = parseInfo(await withAdminClient(node, (redis) => redis.info('errorstats')))
    for (const [field, value] of info) {
      const code = /^errorstat_(.+)$/.exec(field)?.[1]
      const count = Number(/count=(\d+)/.exec(value)?.[1] ?? 0)
      if (code) counts[code] = (counts[code] ?? 0) + count
    }
  }
  return counts
}
