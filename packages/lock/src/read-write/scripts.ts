import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'
import { FENCE_PRELUDE } from '../lua-preludes.js'
import { unexpectedReply } from '../replies.js'
import type { ReadWriteKeys } from '../resource-keys.js'

const here = (file: string) => new URL(file, import.meta.url)
const readScript = new LuaScript('redlayerLockReadAcquire', here('./read-acquire.lua'))
const writeScript = new LuaScript('redlayerLockWriteAcquire', here('./write-acquire.lua'), {
  prelude: FENCE_PRELUDE,
})
const intentScript = new LuaScript('redlayerLockIntentClear', here('./intent-clear.lua'))

export type ReadAcquireReply =
  | { readonly acquired: true; readonly readers: number }
  | { readonly acquired: false; readonly retryAfterMs: number | undefined }

export type WriteAcquireReply =
  | { readonly acquired: true; readonly fence: bigint }
  | { readonly acquired: false; readonly retryAfterMs: number | undefined }

function waitHint(reply: unknown[]): number | undefined {
  const hint = reply[1] as number
  return hint >= 0 ? hint : undefined
}

/** One attempt at a read lease: only with no writer holding or waiting (ADR-0030). */
export async function acquireRead(
  client: RedisClient,
  keys: ReadWriteKeys,
  token: string,
  ttlMs: number,
): Promise<ReadAcquireReply> {
  const reply = await readScript.run(client, [keys.writer, keys.readers, keys.intent], [token, ttlMs])
  if (Array.isArray(reply) && typeof reply[1] === 'number') {
    if (reply[0] === 1) return { acquired: true, readers: reply[1] }
    if (reply[0] === 0) return { acquired: false, retryAfterMs: waitHint(reply) }
  }
  throw unexpectedReply('lock.read', reply)
}

/**
 * One attempt at the write lease: only with no writer and no reader; a caller that waits
 * (`intentMs` > 0) keeps new readers out meanwhile (ADR-0030).
 */
export async function acquireWrite(
  client: RedisClient,
  keys: ReadWriteKeys,
  token: string,
  ttlMs: number,
  intentMs: number,
): Promise<WriteAcquireReply> {
  const reply = await writeScript.run(
    client,
    [keys.writer, keys.fence, keys.readers, keys.intent],
    [token, ttlMs, intentMs],
  )
  if (Array.isArray(reply) && reply[0] === 1 && reply.length === 2) {
    return { acquired: true, fence: BigInt(String(reply[1])) }
  }
  if (Array.isArray(reply) && reply[0] === 0 && typeof reply[1] === 'number') {
    return { acquired: false, retryAfterMs: waitHint(reply) }
  }
  throw unexpectedReply('lock.write', reply)
}

/** A writer that stopped waiting withdraws its intent and wakes the readers it held back. */
export function clearIntent(client: RedisClient, keys: ReadWriteKeys, token: string): Promise<unknown> {
  return intentScript.run(client, [keys.intent], [token, keys.channel])
}
