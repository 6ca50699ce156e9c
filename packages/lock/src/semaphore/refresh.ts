import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { type LeaseReply, leaseReply } from '../replies.js'
import type { SemaphoreKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerSemaphoreRefresh', new URL('./refresh.lua', import.meta.url))

/** Extends a permit by token on Redis time; an expired permit is never taken again. */
export async function refreshPermit(
  client: RedisClient,
  keys: SemaphoreKeys,
  token: string,
  ttlMs: number,
): Promise<LeaseReply> {
  return leaseReply('semaphore.refresh', await script.run(client, [keys.holders], [token, ttlMs]))
}
