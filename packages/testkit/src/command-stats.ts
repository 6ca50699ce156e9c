import { parseInfo, withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/**
 * How many script calls (EVALSHA and EVAL) the given running data nodes served so far (INFO
 * commandstats). A test counts them around the calls it makes to see how many reached Redis: none
 * for a cached denial, one per batch for a tick's calls (issue 18). Replicas count none (scripts
 * replicate as their effects), sentinels are skipped.
 */
export async function serverScriptCalls(nodes: readonly RedisProcess[]): Promise<number> {
  let calls = 0
  for (const node of nodes) {
    if (node.sentinel || !node.running || node.paused) continue
    const info = parseInfo(await withAdminClient(node, (redis) => redis.info('commandstats')))
    for (const name of ['cmdstat_evalsha', 'cmdstat_eval'])
      calls += Number(/calls=(\d+)/.exec(info.get(name) ?? '')?.[1] ?? 0)
  }
  return calls
}
