import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runCli as runCliFunction } from '../src/cli.js'

const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))
/** The keyspace the tests give the CLI (a service's own, as REDLAYER_KEYSPACE): the example app's. */
const EXAMPLE_KEYSPACE = { REDLAYER_KEYSPACE: '../example/src/keyspace.ts#exampleKeyspaceFor' }

export interface CliRun {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** The `--json` document of a run. */
export interface CliDocument<R = Record<string, unknown>> {
  command: string
  ok: boolean
  exitCode: number
  result?: R
  error?: { code: string; message: string }
}

export function jsonOf<R = Record<string, unknown>>(run: CliRun): CliDocument<R> {
  return JSON.parse(run.stdout) as CliDocument<R>
}

/**
 * Runs `redlayer` as a child process on its source (tsx, with the `@redlayer/source` condition,
 * so sibling packages and the example keyspace come from source too) with exactly the REDIS_*
 * variables given (none of the test process's own leak in), and the example's keyspace as
 * REDLAYER_KEYSPACE unless `env` says otherwise.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<CliRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REDIS_')),
  )
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=@redlayer/source', '--import', 'tsx', 'src/main.ts', ...args],
      {
        cwd: CLI_DIR,
        env: { ...inherited, ...EXAMPLE_KEYSPACE, ...env },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code
        if (typeof code !== 'number') {
          reject(new Error(`redlayer ${args.join(' ')} did not exit by itself (${String(error)}): ${stderr}`))
          return
        }
        resolve({ exitCode: code, stdout, stderr })
      },
    )
  })
}

/**
 * Runs `redlayer` inside the test process (same code as the child process, without the start-up
 * cost): for the cases where the process boundary itself is not what is tested.
 */
export async function runCliInProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const exitCode = await runCliFunction(args, {
    env: { ...EXAMPLE_KEYSPACE, ...env },
    cwd: CLI_DIR,
    ...(signal === undefined ? {} : { signal }),
    stdout: (text) => out.push(`${text}\n`),
    stderr: (text) => err.push(`${text}\n`),
  })
  return { exitCode, stdout: out.join(''), stderr: err.join('') }
}
