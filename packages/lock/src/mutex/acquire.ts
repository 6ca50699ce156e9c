import type { RedisClient } from '@redlayer/connection'
import { batchedScript, LuaScript, type SharedRun } from '@redlayer/connection/internal'
import { FENCE_PRELUDE, QUEUE_PRELUDE } from '../lua-preludes.js'
import type { FairAttempt } from '../queue.js'
import { unexpectedReply } from '../replies.js'
import type { ResourceKeys } from '../resource-keys.js'

// Issue 18: the acquisitions of one tick after its first share one script call per slot (ADR-0030),
// and one guarded run when they come with the guard's `shared` (ADR-0013, "Shared runs").
const run = batchedScript(
  new LuaScript('redlayerLockAcquire', new URL('./acquire.lua', import.meta.url), {
    prelude: [QUEUE_PRELUDE, FENCE_PRELUDE],
  }),
)

export type MutexAcquireReply =
  | { readonly acquired: true; readonly fences: readonly bigint[] }
  | { readonly acquired: false; readonly retryAfterMs: number | undefined }

/**
 * One attempt at the locks of `resources`, all or nothing: SET NX PX with `token` on each lock
 * key, INCR of each fence counter in the same script (ADR-0030). `fair` (one resource): only
 * when nobody is queued ahead, else the caller is queued.
 */
export async function acquireMutex(
  client: RedisClient,
  resources: readonly ResourceKeys[],
  token: string,
  ttlMs: number,
  fair?: FairAttempt,
  shared?: SharedRun,
): Promise<MutexAcquireReply> {
  const n = resources.length
  const keys = new Array<string>(2 * n)
  for (let i = 0; i < n; i++) {
    const r = resources[i] as ResourceKeys
    keys[i] = r.lock
    keys[n + i] = r.fence
  }
  const reply =
    fair === undefined
      ? await run(client, keys, [token, ttlMs], shared)
      : await run(
          client,
          [...keys, fair.queue.waiters, fair.queue.until],
          [token, ttlMs, fair.livenessMs],
          shared,
        )
  if (!Array.isArray(reply)) throw unexpectedReply('lock.acquire', reply)
  const status: unknown = reply[0]
  if (status === 1 && reply.length === n + 1) {
    const fences = new Array<bigint>(n)
    for (let i = 0; i < n; i++) fences[i] = BigInt(String(reply[i + 1]))
    return { acquired: true, fences }
  }
  const hint: unknown = reply[1]
  if (status === 0 && reply.length === 2 && typeof hint === 'number') {
    return { acquired: false, retryAfterMs: hint >= 0 ? hint : undefined }
  }
  throw unexpectedReply('lock.acquire', reply)
}
