import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '../lua-script.js'
import { unexpectedReply } from '../replies.js'
import type { ResourceKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerLockAcquire', new URL('./acquire.lua', import.meta.url))

export type MutexAcquireReply =
  | { readonly acquired: true; readonly fences: readonly bigint[] }
  | { readonly acquired: false; readonly retryAfterMs: number | undefined }

/**
 * One attempt at the locks of `resources`, all or nothing: SET NX PX with `token` on each lock
 * key, INCR of each fence counter in the same script (ADR-0030).
 */
export async function acquireMutex(
  client: RedisClient,
  resources: readonly ResourceKeys[],
  token: string,
  ttlMs: number,
): Promise<MutexAcquireReply> {
  const keys = [...resources.map((r) => r.lock), ...resources.map((r) => r.fence)]
  const reply = await script.run(client, keys, [token, ttlMs])
  if (!Array.isArray(reply)) throw unexpectedReply('lock.acquire', reply)
  const [status, ...rest] = reply as unknown[]
  if (status === 1 && rest.length === resources.length) {
    return { acquired: true, fences: rest.map((fence) => BigInt(String(fence))) }
  }
  if (status === 0 && typeof rest[0] === 'number') {
    return { acquired: false, retryAfterMs: rest[0] >= 0 ? rest[0] : undefined }
  }
  throw unexpectedReply('lock.acquire', reply)
}
