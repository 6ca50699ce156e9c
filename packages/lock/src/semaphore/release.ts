import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { type LeaseReply, leaseReply } from '../replies.js'
import type { SemaphoreKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerSemaphoreRelease', new URL('./release.lua', import.meta.url))

/** Returns a permit by token and wakes the semaphore's waiters. */
export async function releasePermit(
  client: RedisClient,
  keys: SemaphoreKeys,
  token: string,
): Promise<LeaseReply> {
  return leaseReply('semaphore.release', await script.run(client, [keys.holders], [token, keys.channel]))
}
