import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../test/run-cli.js'

// What needs no Redis (usage, help, keyspace modules, refusals decided before connecting).
// REDIS_URL points at a port nothing listens on: a command that tried to connect would exit 3,
// not the code asserted here.
const NOWHERE = 'redis://127.0.0.1:1'

async function run(argv: string[], env: Record<string, string> = {}) {
  const result = await runCliInProcess(argv, { REDIS_URL: NOWHERE, ...env })
  return {
    ...result,
    stdout: result.stdout.trimEnd(),
    stderr: result.stderr.trimEnd(),
    json: () => JSON.parse(result.stdout),
  }
}

describe('runCli without Redis', () => {
  it('rejects bad command lines with exit code 2 and the error code in --json', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'E_USAGE'],
      [['flush'], 'E_USAGE'],
      [['flush', 'entity', 'query'], 'E_USAGE'],
      [['flush', 'nope'], 'E_UNKNOWN_NAMESPACE'],
      [['flush', 'entity', '--batch-size', 'many'], 'E_USAGE'],
      [['flush', 'entity', '--batch-size', '0'], 'E_USAGE'],
      [['flush', 'session', '--force', '--reason', '  '], 'E_USAGE'],
      [['flush', 'entity', '--what'], 'E_USAGE'],
      [['audit', '--sample-size', '-1'], 'E_USAGE'],
      [['acl'], 'E_USAGE'],
      [['acl', 'entity', 'nope'], 'E_UNKNOWN_NAMESPACE'],
      [['acl', 'entity', '--user', 'two words'], 'E_USAGE'],
      [['health', '--keyspace', './x.js#not a name'], 'E_KEYSPACE_MODULE'],
    ]
    for (const [argv, code] of cases) {
      const result = await run([...argv, '--json'])
      expect(result.exitCode, argv.join(' ')).toBe(2)
      expect(result.json(), argv.join(' ')).toMatchObject({ ok: false, exitCode: 2, error: { code } })
    }
  })

  it("needs the service's keyspace (--keyspace or REDLAYER_KEYSPACE) for every command but health", async () => {
    const none = await run(['namespaces', '--json'], { REDLAYER_KEYSPACE: '' })
    expect(none.exitCode).toBe(2)
    expect(none.json()).toMatchObject({ error: { code: 'E_KEYSPACE_MODULE' } })
    expect(none.json().error.message).toContain(
      'pass --keyspace ./path/to/module.js#export or set REDLAYER_KEYSPACE',
    )
    // health reads no keyspace: it goes on to Redis (nothing listens there: exit 3).
    expect((await run(['health', '--json'], { REDLAYER_KEYSPACE: '' })).exitCode).toBe(3)
    // The option wins over the variable.
    const given = await run(
      ['namespaces', '--json', '--keyspace', '../example/src/keyspace.ts#exampleKeyspaceFor'],
      {
        REDLAYER_KEYSPACE: './missing.js',
      },
    )
    expect(given.exitCode).toBe(0)
  })

  it('says what is wrong on stderr, without a stack trace, and with the usage for a bad option', async () => {
    const unknown = await run(['flush', 'nope'])
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toBe(
      'redlayer flush: unknown namespace "nope"; the keyspace declares entity, query, ratelimit, session, login, lock, ai',
    )
    const option = await run(['flush', 'entity', '--what'])
    expect(option.stderr).toContain("Unknown option '--what'")
    expect(option.stderr).toContain('Usage: redlayer flush <namespace>')
    const command = await run(['frobnicate'])
    expect(command.stderr).toBe(
      'redlayer: unknown command "frobnicate"; commands: namespaces, audit, flush, doctor, acl, health',
    )
  })

  it('refuses lock and an unforced disruptive flush before connecting (exit 1, not 3)', async () => {
    const lock = await run(['flush', 'lock', '--force', '--reason', 'stuck', '--json'])
    expect(lock.exitCode).toBe(1)
    expect(lock.json().error.code).toBe('E_FLUSH_FORBIDDEN')
    const session = await run(['flush', 'session', '--force'])
    expect(session.exitCode).toBe(1)
    expect(session.stderr).toContain('namespace session is disruptive')
    expect(session.stderr).toContain('pass --force and --reason TEXT, or --dry-run')
  })

  it('reports a bad config as exit 2 naming the variable, never the password', async () => {
    const result = await run(['health', '--json'], {
      REDIS_URL: 'redis://app:hunter2secret@127.0.0.1:6390',
      REDIS_COMMAND_TIMEOUT_MS: 'soon',
    })
    expect(result.exitCode).toBe(2)
    expect(result.json().error.code).toBe('E_INVALID_CONFIG')
    expect(result.stdout).toContain('REDIS_COMMAND_TIMEOUT_MS')
    expect(result.stdout + result.stderr).not.toContain('hunter2secret')
  })

  it('loads a keyspace module: a function of the prefix, or a Keyspace whose prefix must match', async () => {
    const fixture = './test/fixtures/orders-keyspace.ts'
    const fn = await run(['namespaces', '--json', '--keyspace', `${fixture}#keyspaceFor`], {
      REDIS_KEY_PREFIX: 'shop',
    })
    expect(fn.exitCode).toBe(0)
    expect(fn.json().result.namespaces.map((ns: { pattern: string }) => ns.pattern)).toEqual([
      'shop:orders::*',
      'shop:carts::*',
    ])
    const instance = await run(['namespaces', '--keyspace', fixture])
    expect(instance.exitCode).toBe(0)
    expect(instance.stdout).toContain('orders::*')

    const mismatch = await run(['namespaces', '--keyspace', `${fixture}#keyspace`], {
      REDIS_KEY_PREFIX: 'shop',
    })
    expect(mismatch.exitCode).toBe(2)
    expect(mismatch.stderr).toContain('REDIS_KEY_PREFIX gives "shop:"')
    const cases: [string, string][] = [
      [`${fixture}#missing`, 'has no export missing (exports: keyspace, keyspaceFor, notAKeyspace)'],
      [`${fixture}#notAKeyspace`, 'is neither a Keyspace'],
      ['./test/fixtures/no-such-file.ts#keyspace', 'cannot load the keyspace module'],
    ]
    for (const [spec, message] of cases) {
      const bad = await run(['namespaces', '--keyspace', spec])
      expect(bad.exitCode, spec).toBe(2)
      expect(bad.stderr, spec).toContain(message)
    }
  })

  it('prints help (exit 0), a missing command is exit 2, and the version', async () => {
    const help = await run(['--help'])
    expect(help.exitCode).toBe(0)
    for (const name of ['namespaces', 'audit', 'flush', 'doctor', 'acl', 'health'])
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'))
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 a check failed or a flush was refused, 2 usage')
    const flushHelp = await run(['flush', '-h'])
    expect(flushHelp.exitCode).toBe(0)
    expect(flushHelp.stdout).toContain(
      'Usage: redlayer flush <namespace> [--dry-run] [--force --reason TEXT]',
    )
    expect((await run([])).exitCode).toBe(2)
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
