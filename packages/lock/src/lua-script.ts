import { readFileSync } from 'node:fs'
import type { RedisClient } from '@redlayer/connection'

type ScriptArg = string | number
type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: ScriptArg[]) => Promise<unknown>

/**
 * A Lua script kept in a `.lua` file beside the TypeScript that runs it (copied to `dist/` by
 * the build), registered on a client with `defineCommand` (EVALSHA, falling back to EVAL once
 * per connection). Keys go in KEYS[] only and every script's keys share one hash slot, so the
 * same script runs on a single Redis, a Sentinel primary and a Cluster.
 */
export class LuaScript {
  // Every script of the package is defined on a client at once, the first time any of them runs
  // on it: ioredis copies the defined commands into each (auto-)pipeline when it creates it, so a
  // script defined while a pipeline of the same tick is open would be missing from it.
  static readonly #all: LuaScript[] = []
  static readonly #prepared = new WeakSet<object>()
  readonly #name: string
  readonly #source: string

  constructor(name: string, file: URL) {
    this.#name = name
    this.#source = readFileSync(file, 'utf8')
    LuaScript.#all.push(this)
  }

  /** Runs the script with `keys` as KEYS[] and `args` as ARGV[]. */
  run(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (!LuaScript.#prepared.has(client)) {
      for (const script of LuaScript.#all) client.defineCommand(script.#name, { lua: script.#source })
      LuaScript.#prepared.add(client)
    }
    const command = (client as unknown as Record<string, ScriptCommand>)[this.#name]
    if (command === undefined) throw new Error(`script ${this.#name} was not registered`)
    return command.call(client, keys.length, ...keys, ...args)
  }
}
