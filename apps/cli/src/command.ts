import type { ParseArgsConfig } from 'node:util'
import type { RedisClient, RedisConfig } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { ExitCode } from './exit-codes.js'

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>
export type OptionValues = Record<string, string | boolean | undefined>

/** What every command receives once the command line, the config and the keyspace are valid. */
export interface CommandContext {
  readonly positionals: readonly string[]
  readonly values: OptionValues
  readonly config: RedisConfig
  readonly keyspace: Keyspace
  /** Connects on first call (later calls share the client); the CLI closes it after the command. */
  readonly redis: () => Promise<RedisClient>
  /** A line for the operator on stderr (progress, the audit record of a flush), never part of --json. */
  readonly log: (line: string) => void
  /** Aborted on SIGINT/SIGTERM: a flush or an audit stops between two batches. */
  readonly signal: AbortSignal
}

/** The outcome of a command: `data` is the `result` of `--json`, `text` what a person reads. */
export interface CommandResult {
  readonly exitCode: ExitCode
  readonly data: object
  readonly text: string
}

export interface Command {
  readonly name: string
  readonly summary: string
  /** The synopsis after `redlayer <name>`, and the lines that explain the options. */
  readonly usage: string
  readonly options: OptionSpecs
  run(context: CommandContext): Promise<CommandResult>
}
