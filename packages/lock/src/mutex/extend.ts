import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { type LeaseReply, leaseReply } from '../replies.js'
import type { ResourceKeys } from '../resource-keys.js'

const script = new LuaScript('redlayerLockExtend', new URL('./extend.lua', import.meta.url))

/**
 * Sets a new lease on every key of a held lock, compare-and-set on `token`; a key that expired
 * is never re-created (ADR-0030).
 */
export async function extendMutex(
  client: RedisClient,
  resources: readonly ResourceKeys[],
  token: string,
  ttlMs: number,
): Promise<LeaseReply> {
  return leaseReply(
    'lock.extend',
    await script.run(
      client,
      resources.map((r) => r.lock),
      [token, ttlMs],
    ),
  )
}
