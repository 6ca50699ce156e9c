import { parseInfo, withAdminClient } from './admin-client.js'
import type { RedisProcess } from './redis-process.js'

/**
 * True when `replica` replicates from `primary` with its link up AND the primary has seen it
 * acknowledge everything written so far (its `slaveN` offset). The link alone is not enough:
 * after a diskless full sync, Redis holds the command stream back until the replica's first
 * REPLCONF ACK, which the replica sends on its once-a-second cron, so for up to about a second
 * the link reads `up` while the primary acknowledges writes the replica never gets (measured:
 * ~800 ms in 4 of 5 syncs; 12-17 ms with a disk-based sync). ADR-0015.
 */
export async function replicaCaughtUp(primary: RedisProcess, replica: RedisProcess): Promise<boolean> {
  const applied = parseInfo(await withAdminClient(replica, (redis) => redis.info('replication')))
  if (
    applied.get('role') !== 'slave' ||
    Number(applied.get('master_port')) !== primary.port ||
    applied.get('master_link_status') !== 'up'
  ) {
    return false
  }
  const written = parseInfo(await withAdminClient(primary, (redis) => redis.info('replication')))
  const offset = Number(written.get('master_repl_offset'))
  const acked = [...written.entries()]
    .filter(([field]) => /^slave\d+$/.test(field))
    .map(([, value]) => Object.fromEntries(value.split(',').map((pair) => pair.split('='))))
    .find((view) => Number(view.port) === replica.port)
  return acked?.state === 'online' && Number(acked.offset) >= offset
}
