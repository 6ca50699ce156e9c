import { parseInfo, withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/**
 * True when `replica` replicates from `primary` with its link up AND acknowledges what the primary
 * writes now (a write that leaves no key, then WAIT). The link alone is not enough, nor the replica's last
 * acknowledged offset (on a primary nobody wrote to yet, 0 is everything):
 * after a diskless full sync, Redis holds the command stream back until the replica's first
 * REPLCONF ACK, which the replica sends on its once-a-second cron, so for up to about a second
 * the link reads `up` while the primary acknowledges writes the replica never gets (measured:
 * ~800 ms in 4 of 5 syncs; 12-17 ms with a disk-based sync). ADR-0015.
 */
const SET_AND_DELETE = "redis.call('SET', KEYS[1], '1'); redis.call('DEL', KEYS[1])"

export async function replicaCaughtUp(primary: RedisProcess, replica: RedisProcess): Promise<boolean> {
  const applied = parseInfo(await withAdminClient(replica, (redis) => redis.info('replication')))
  if (
    applied.get('role') !== 'slave' ||
    Number(applied.get('master_port')) !== primary.port ||
    applied.get('master_link_status') !== 'up'
  ) {
    return false
  }
  // A write into the stream, then WAIT: it returns once the replica acknowledged the write, which
  // it can only do once the stream flows. The write is a script that sets and deletes one key, so
  // nothing is left behind; on a Cluster node, the first candidate key of a slot the node serves.
  const acknowledged = await withAdminClient(primary, async (redis) => {
    for (let candidate = 0; candidate < 64; candidate++) {
      try {
        await redis.eval(SET_AND_DELETE, 1, `__redlayer:testkit:sync:${candidate}`)
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('MOVED')) continue
        throw error
      }
      return redis.wait(1, 250)
    }
    throw new Error(`:${primary.port} serves none of the candidate slots`)
  })
  return acknowledged >= 1
}
