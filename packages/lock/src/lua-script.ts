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
  readonly #name: string
  readonly #source: string
  readonly #defined = new WeakSet<object>()

  constructor(name: string, file: URL) {
    this.#name = name
    this.#source = readFileSync(file, 'utf8')
  }

  /** Runs the script with `keys` as KEYS[] and `args` as ARGV[]. */
  run(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (!this.#defined.has(client)) {
      client.defineCommand(this.#name, { lua: this.#source })
      this.#defined.add(client)
    }
    const command = (client as unknown as Record<string, ScriptCommand>)[this.#name]
    if (command === undefined) throw new Error(`script ${this.#name} was not registered`)
    return command.call(client, keys.length, ...keys, ...args)
  }
}
