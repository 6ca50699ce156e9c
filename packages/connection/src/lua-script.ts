import { readFileSync } from 'node:fs'
import type { RedisClient } from './create-redis.js'

/** What a script takes in ARGV[] (a Buffer goes as binary). */
export type ScriptArg = string | number | Buffer
type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: ScriptArg[]) => Promise<unknown>

interface ClientScripts {
  /** How many of `LuaScript.all` are defined on the client. */
  defined: number
  /** Resolves on the turn after the last definitions: from then on they are in every pipeline. */
  ready: Promise<void>
  usable: boolean
}

// The loop of a batch script (`LuaScript.batchOf`): the arguments are checked before any call runs.
const BATCH_LOOP = `
local calls = tonumber(ARGV[1])
local k, a = 0, 1
for _ = 1, calls do
  k, a = k + tonumber(ARGV[a + 1]), a + 2 + tonumber(ARGV[a + 2])
end
if k ~= #KEYS or a ~= #ARGV then return redis.error_reply('ERR batch: the arguments do not match the keys') end
local replies = {}
k, a = 1, 2
for c = 1, calls do
  local nkeys, nargs = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local keys, args = {}, {}
  for i = 1, nkeys do keys[i] = KEYS[k + i - 1] end
  for i = 1, nargs do args[i] = ARGV[a + 1 + i] end
  local ok, reply = pcall(one, keys, args)
  if ok then replies[c] = reply
  elseif type(reply) == 'table' and reply.err then replies[c] = reply
  else replies[c] = { err = tostring(reply) } end
  k, a = k + nkeys, a + 2 + nargs
end
return replies
`

/**
 * A Lua script kept in a `.lua` file beside the TypeScript that runs it (copied to `dist/` by the
 * build), registered on a client with `defineCommand` (EVALSHA, falling back to EVAL once per
 * connection after a SCRIPT FLUSH, a restart or a failover). Keys go in KEYS[] only and every
 * call's keys share one hash slot, so the same script runs on a single Redis, a Sentinel
 * primary and a Cluster; a batch (`batchOf`) holds calls of one slot on Cluster and of any slots
 * off it. The one way every redlayer package runs a script (ADR-0004).
 */
export class LuaScript {
  // Every script known to the process is defined on a client at once, and used only from the
  // next event-loop turn on: ioredis copies the defined commands into an auto-pipeline when it
  // opens it, so a command defined while a pipeline of the same turn is open (opened by any
  // package) is missing from it; the call rejects and the pipeline's other callbacks throw
  // outside any promise (ioredis#1931). Pipelines open at definition time run in a setImmediate
  // queued before ours, so once ours has run every pipeline has the commands. A script created
  // after a client was prepared (a module loaded later) is defined on its first run the same way.
  static readonly #all: LuaScript[] = []
  static readonly #clients = new WeakMap<object, ClientScripts>()
  readonly #name: string
  readonly #source: string
  readonly #prelude: string
  readonly #body: string

  /**
   * `file`: the script's file (or, for a script made here, its text); `prelude`: files of shared
   * Lua placed before the script, in order (its helpers).
   */
  constructor(name: string, file: URL | string, { prelude = [] }: { prelude?: URL | readonly URL[] } = {}) {
    this.#name = name
    this.#body = typeof file === 'string' ? file : readFileSync(file, 'utf8')
    this.#prelude = (Array.isArray(prelude) ? prelude : [prelude])
      .map((url: URL) => `${readFileSync(url, 'utf8')}\n`)
      .join('')
    this.#source = `${this.#prelude}${this.#body}`
    LuaScript.#all.push(this)
  }

  /**
   * Issue 18: the script that runs several calls of `script` in one (see `batchedScript`): its
   * body becomes a function of its own KEYS and ARGV, run once per call in the order given, each
   * in `pcall`, so that an error (a write refused under OOM) fails that call's reply only; the
   * writes a failing call made before its error stay, as they would in the script alone.
   * ARGV = [the number of calls, then per call: its key count, its argument count, its arguments].
   */
  static batchOf(script: LuaScript): LuaScript {
    return new LuaScript(
      `${script.#name}Batch`,
      `${script.#prelude}local function one(KEYS, ARGV)\n${script.#body}\nend\n${BATCH_LOOP}`,
    )
  }

  /** Defines every script on `client`; resolves once they may be used (a package's constructor may call it ahead). */
  static prepare(client: RedisClient): Promise<void> {
    const known = LuaScript.#clients.get(client)
    if (known !== undefined && known.defined === LuaScript.#all.length) return known.ready
    const commands = client as unknown as Record<string, unknown>
    for (const script of LuaScript.#all.slice(known?.defined ?? 0)) {
      if (typeof commands[script.#name] !== 'function')
        client.defineCommand(script.#name, { lua: script.#source })
    }
    const state: ClientScripts = {
      defined: LuaScript.#all.length,
      ready: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        state.usable = true
      }),
      usable: false,
    }
    LuaScript.#clients.set(client, state)
    return state.ready
  }

  /** Runs the script with `keys` as KEYS[] and `args` as ARGV[]. */
  run(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const state = LuaScript.#clients.get(client)
    if (state?.usable && state.defined === LuaScript.#all.length) return this.#call(client, keys, args)
    return LuaScript.prepare(client).then(() => this.#call(client, keys, args))
  }

  #call(client: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const command = (client as unknown as Record<string, ScriptCommand>)[this.#name]
    if (command === undefined) throw new Error(`script ${this.#name} was not registered`)
    return command.call(client, keys.length, ...keys, ...args)
  }
}
