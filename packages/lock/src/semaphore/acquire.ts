import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { unexpectedReply } from '../replies.js'
import type { SemaphoreKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerSemaphoreAcquire', new URL('./acquire.lua', import.meta.url))

export type SemaphoreAcquireReply =
  | { readonly acquired: true; readonly holders: number }
  | { readonly acquired: false; readonly retryAfterMs: number }

/** One attempt at a permit: expired holders dropped, then a place taken if fewer than `limit`. */
export async function acquirePermit(
  client: RedisClient,
  keys: SemaphoreKeys,
  token: string,
  limit: number,
  ttlMs: number,
): Promise<SemaphoreAcquireReply> {
  const reply = await script.run(client, [keys.holders], [token, limit, ttlMs])
  if (Array.isArray(reply) && typeof reply[1] === 'number') {
    if (reply[0] === 1) return { acquired: true, holders: reply[1] }
    if (reply[0] === 0) return { acquired: false, retryAfterMs: Math.max(0, reply[1]) }
  }
  throw unexpectedReply('semaphore.acquire', reply)
}
