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
  // Every script of the package is defined on a client at once, and used only from the next
  // event-loop turn on: ioredis 5.9 copies the defined commands into an auto-pipeline when it
  // opens it, so a command defined while a pipeline of the same turn is open (opened by any
  // package) is missing from it; the call rejects and the pipeline's other callbacks throw
  // outside any promise (ioredis#1931). Pipelines open at definition time run in a setImmediate
  // queued before ours, so once ours has run every pipeline has the commands.
  static readonly #all: LuaScript[] = []
  static readonly #defined = new WeakMap<object, Promise<void>>()
  static readonly #usable = new WeakSet<object>()
  readonly #name: string
  readonly #source: string

  constructor(name: string, file: URL) {
    this.#name = name
    this.#source = readFileSync(file, 'utf8')
    LuaScript.#all.push(this)
  }

  /** Defines every script on `client` (a lock manager does it when it is created). */
  static prepare(client: RedisClient): Promise<void> {
    let defined = LuaScript.#defined.get(client)
    if (defined === undefined) {
      for (const script of LuaScript.#all) client.defineCommand(script.#name, { lua: script.#source })
      defined = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        LuaScript.#usable.add(client)
      })
      LuaScript.#defined.set(client, defined)
    }
    return defined
  }

  /** Runs the script with `keys` as KEYS[] and `args` as ARGV[]. */
  run(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (LuaScript.#usable.has(client)) return this.#call(client, keys, args)
    return LuaScript.prepare(client).then(() => this.#call(client, keys, args))
  }

  #call(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const command = (client as unknown as Record<string, ScriptCommand>)[this.#name]
    if (command === undefined) throw new Error(`script ${this.#name} was not registered`)
    return command.call(client, keys.length, ...keys, ...args)
  }
}
