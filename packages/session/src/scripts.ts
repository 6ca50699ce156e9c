import { readFileSync } from 'node:fs'
import type { RedisClient } from '@redlayer/connection'

export type ScriptRunner = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>

const source = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8')
const prelude = source('./session-common.lua')

const SCRIPTS = {
  create: 'create-session.lua',
  append: 'append-event.lua',
  update: 'update-state.lua',
  touch: 'touch-session.lua',
  delete: 'delete-session.lua',
  read: 'read-session.lua',
} as const satisfies Record<string, string>

export type SessionScripts = { readonly [Name in keyof typeof SCRIPTS]: ScriptRunner }

// Registered with defineCommand: EVALSHA, falling back to EVAL of the same constant text after a
// SCRIPT FLUSH or a restart. Every script takes the session's five keys (one slot).
export function sessionScripts(redis: RedisClient): SessionScripts {
  const commands = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>
  const entries = Object.entries(SCRIPTS).map(([name, file]) => {
    const command = `redlayerSession_${name}`
    if (typeof commands[command] !== 'function') {
      redis.defineCommand(command, { numberOfKeys: 5, lua: `${prelude}\n${source(`./${file}`)}` })
    }
    const runner: ScriptRunner = (keys, args) => {
      const fn = commands[command]
      if (!fn) throw new Error(`script ${command} is not registered`)
      return fn.call(redis, ...keys, ...args)
    }
    return [name, runner] as const
  })
  return Object.fromEntries(entries) as SessionScripts
}
