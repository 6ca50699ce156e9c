import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { QUEUE_PRELUDE } from '../lua-preludes.js'
import type { FairAttempt } from '../queue.js'
import { unexpectedReply } from '../replies.js'
import type { SemaphoreKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerSemaphoreAcquire', new URL('./acquire.lua', import.meta.url), {
  prelude: QUEUE_PRELUDE,
})

export type SemaphoreAcquireReply =
  | { readonly acquired: true; readonly holders: number }
  | { readonly acquired: false; readonly retryAfterMs: number | undefined }

/**
 * One attempt at a permit: expired holders dropped, then a place taken if fewer than `limit`
 * (`fair`: and a place is free for every waiter queued ahead, else the caller is queued).
 */
export async function acquirePermit(
  client: RedisClient,
  keys: SemaphoreKeys,
  token: string,
  limit: number,
  ttlMs: number,
  fair?: FairAttempt,
): Promise<SemaphoreAcquireReply> {
  const reply =
    fair === undefined
      ? await script.run(client, [keys.holders], [token, limit, ttlMs])
      : await script.run(
          client,
          [keys.holders, fair.queue.waiters, fair.queue.until],
          [token, limit, ttlMs, fair.livenessMs],
        )
  if (Array.isArray(reply) && typeof reply[1] === 'number') {
    if (reply[0] === 1) return { acquired: true, holders: reply[1] }
    // -1: a place is free but kept for a fair waiter ahead; its taking or leaving wakes us.
    if (reply[0] === 0) return { acquired: false, retryAfterMs: reply[1] >= 0 ? reply[1] : undefined }
  }
  throw unexpectedReply('semaphore.acquire', reply)
}
