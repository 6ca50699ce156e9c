import type { RedisClient } from '@redlayer/connection'
import { LuaScript } from '@redlayer/connection/internal'

export type ScriptRunner = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>

const here = (file: string) => new URL(file, import.meta.url)
const prelude = here('./session-common.lua')

// Each script is the shared helpers plus its own body; every script takes the session's five keys
// (one slot), but revokeOwner: an owner's index and the keys of its sessions (the same slot). EVALSHA, falling back to EVAL of the same constant text (LuaScript).
const SCRIPTS = {
  create: new LuaScript('redlayerSession_create', here('./create-session.lua'), { prelude }),
  append: new LuaScript('redlayerSession_append', here('./append-event.lua'), { prelude }),
  update: new LuaScript('redlayerSession_update', here('./update-state.lua'), { prelude }),
  touch: new LuaScript('redlayerSession_touch', here('./touch-session.lua'), { prelude }),
  delete: new LuaScript('redlayerSession_delete', here('./delete-session.lua'), { prelude }),
  read: new LuaScript('redlayerSession_read', here('./read-session.lua'), { prelude }),
  revokeOwner: new LuaScript('redlayerSession_revokeOwner', here('./revoke-owner.lua')),
} as const

export type SessionScripts = { readonly [Name in keyof typeof SCRIPTS]: ScriptRunner }

/** The session scripts bound to one client (defined on it ahead of the first call). */
export function sessionScripts(redis: RedisClient): SessionScripts {
  void LuaScript.prepare(redis)
  const entries = Object.entries(SCRIPTS).map(([name, script]) => {
    const runner: ScriptRunner = (keys, args) => script.run(redis, keys, args)
    return [name, runner] as const
  })
  return Object.fromEntries(entries) as SessionScripts
}
