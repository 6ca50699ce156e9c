import type { RedisClient } from '@redlayer/connection'
import { batchedScript, LuaScript, type SharedRun } from '@redlayer/connection/internal'
import { type LeaseReply, leaseReply } from '../replies.js'
import type { ResourceKeys } from '../resource-keys.js'

// Issue 18: the releases of one tick after its first share one script call per slot (ADR-0030),
// and one guarded run when they come with the guard's `shared` (ADR-0013, "Shared runs").
const run = batchedScript(new LuaScript('redlayerLockRelease', new URL('./release.lua', import.meta.url)))

/**
 * Deletes every key of a lock still holding `token` and publishes on each key's release channel,
 * so that waiters retry at once instead of at their next backoff step (ADR-0030).
 */
export async function releaseMutex(
  client: RedisClient,
  resources: readonly ResourceKeys[],
  token: string,
  shared?: SharedRun,
): Promise<LeaseReply> {
  const reply = await run(
    client,
    resources.map((r) => r.lock),
    [token, ...resources.map((r) => r.channel)],
    shared,
  )
  return leaseReply('lock.release', reply)
}
