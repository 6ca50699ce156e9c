import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  closeRedis,
  describeRedisConfig,
  isRedlayerError,
  loadRedisConfig,
  type RedisClient,
} from '@redlayer/connection'
import type { Command, CommandResult, OptionSpecs, OptionValues } from './command.js'
import { COMMANDS } from './commands/index.js'
import { EXIT, type ExitCode, exitCodeFor } from './exit-codes.js'
import { keyspaceSourceOf, loadKeyspace, noKeyspaceError } from './keyspace-module.js'
import { openRedis } from './redis-session.js'
import { usageError } from './usage-error.js'

/** Where the CLI reads and writes: the process's, or a test's. */
export interface CliIo {
  readonly env: Record<string, string | undefined>
  readonly cwd: string
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Interrupts the command (the process's SIGINT/SIGTERM); the command ends with E_INTERRUPTED. */
  readonly signal?: AbortSignal
}

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  keyspace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies OptionSpecs

const GLOBAL_USAGE = [
  'Options of every command:',
  '  --json                   one JSON document on stdout: { command, ok, exitCode, result | error }',
  '  --keyspace MODULE#EXPORT the keyspace: a module exporting a Keyspace or a function of the',
  '                           application prefix (or REDLAYER_KEYSPACE); every command but health',
  '                           needs one',
  '  -h, --help               this help',
  'Redis is configured by the REDIS_* environment variables of @redlayer/connection.',
  'Exit codes: 0 ok, 1 a check failed or a flush was refused, 2 usage or configuration error,',
  '3 Redis unreachable.',
].join('\n')

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return manifest.version
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'redlayer: inspect and operate the Redis keyspace of a redlayer service',
    '',
    'Usage: redlayer <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_USAGE,
  ].join('\n')
}

function commandHelp(command: Command): string {
  return [`${command.summary}`, '', `Usage: ${command.usage}`, '', GLOBAL_USAGE].join('\n')
}

interface Invocation {
  readonly command: Command | undefined
  readonly positionals: string[]
  readonly values: OptionValues
}

/** The command (the first positional) and the options, checked against that command's options. */
function parseInvocation(argv: readonly string[]): Invocation {
  const loose = parseArgs({
    args: [...argv],
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const first = loose.tokens.find((token) => token.kind === 'positional')
  if (first === undefined)
    return { command: undefined, positionals: [], values: loose.values as OptionValues }
  const command = COMMANDS.find((c) => c.name === first.value)
  if (command === undefined) {
    throw usageError(
      `unknown command ${JSON.stringify(first.value.slice(0, 64))}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
    )
  }
  const rest = argv.filter((_, index) => index !== first.index)
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    })
    return { command, positionals: parsed.positionals, values: parsed.values as OptionValues }
  } catch (error) {
    throw usageError(`${(error as Error).message}\nUsage: ${command.usage.split('\n')[0]}`)
  }
}

async function execute(command: Command, invocation: Invocation, io: CliIo): Promise<CommandResult> {
  const config = loadRedisConfig(io.env)
  const spec = invocation.values.keyspace
  const source = keyspaceSourceOf(typeof spec === 'string' ? spec : undefined, io.env)
  const loaded = source === undefined ? undefined : await loadKeyspace(source, config.keyPrefix, io.cwd)
  const signal = io.signal ?? new AbortController().signal
  let client: Promise<RedisClient> | undefined
  try {
    return await command.run({
      positionals: invocation.positionals,
      values: invocation.values,
      config,
      // A command that reads no keyspace (health) runs without one.
      get keyspace() {
        if (loaded === undefined) throw noKeyspaceError(command.name)
        return loaded
      },
      redis: () => {
        client ??= openRedis(config, signal)
        return client
      },
      log: (line) => io.stderr(line),
      signal,
    })
  } finally {
    if (client !== undefined) await client.then(closeRedis, () => {})
  }
}

function describeFailure(error: unknown, io: CliIo): { code: string; message: string } {
  if (isRedlayerError(error)) {
    // Where it tried to connect helps; describeRedisConfig never shows a password.
    if (error.code === 'E_REDIS_UNAVAILABLE') {
      try {
        return {
          code: error.code,
          message: `${error.message}\n${describeRedisConfig(loadRedisConfig(io.env))}`,
        }
      } catch {
        return { code: error.code, message: error.message }
      }
    }
    return { code: error.code, message: error.message }
  }
  const message = error instanceof Error ? error.message : String(error)
  if (exitCodeFor(error) === EXIT.unreachable) return { code: 'E_REDIS_UNAVAILABLE', message }
  // The server said no (NOPERM from an ACL, OOM, READONLY...): expected in operations, not a bug.
  if (error instanceof Error && error.name === 'ReplyError')
    return { code: 'E_REDIS_REPLY', message: `Redis refused: ${message}` }
  return { code: 'E_UNEXPECTED', message }
}

/**
 * Runs one `redlayer` command line and returns its exit code. Expected failures (usage, config,
 * refusals, an unreachable Redis) are one clear message (or one JSON document), never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const json = argv.includes('--json')
  let name = 'redlayer'
  try {
    const invocation = parseInvocation(argv)
    name = invocation.command?.name ?? name
    if (invocation.values.version === true) {
      io.stdout(
        json
          ? JSON.stringify({ command: 'version', ok: true, exitCode: 0, result: { version: version() } })
          : version(),
      )
      return EXIT.ok
    }
    if (invocation.command === undefined || invocation.values.help === true) {
      io.stdout(invocation.command === undefined ? mainHelp() : commandHelp(invocation.command))
      return invocation.values.help === true ? EXIT.ok : EXIT.usage
    }
    const result = await execute(invocation.command, invocation, io)
    io.stdout(
      json
        ? JSON.stringify(
            {
              command: name,
              ok: result.exitCode === EXIT.ok,
              exitCode: result.exitCode,
              result: result.data,
            },
            null,
            2,
          )
        : result.text,
    )
    return result.exitCode
  } catch (error) {
    const exitCode = exitCodeFor(error)
    const failure = describeFailure(error, io)
    if (json) io.stdout(JSON.stringify({ command: name, ok: false, exitCode, error: failure }, null, 2))
    else {
      io.stderr(`${name === 'redlayer' ? 'redlayer' : `redlayer ${name}`}: ${failure.message}`)
      // An unexpected error is a bug: its stack helps, on request (expected errors never show one).
      if (failure.code === 'E_UNEXPECTED' && io.env.REDLAYER_DEBUG && error instanceof Error && error.stack)
        io.stderr(error.stack)
    }
    return exitCode
  }
}
