import { freePort, startTopology, topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { exampleKeyspace } from '../src/keyspace.js'
import { runStartReport } from '../src/start-report.js'

// What `npm start` prints until the example app lands, against real redis-server processes.

async function run(env: Record<string, string>, onWrite?: (text: string) => void, signal?: AbortSignal) {
  const blocks: string[] = []
  const code = await runStartReport({
    env,
    write: (text) => {
      blocks.push(text)
      onWrite?.(text)
    },
    ...(signal ? { signal } : {}),
  })
  return { code, output: blocks.join('\n') }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function startedPid(output: string): number {
  const pid = /Started a local redis-server .*\(pid (\d+)\)/.exec(output)?.[1]
  if (pid === undefined) throw new Error(`no local redis-server was started:\n${output}`)
  return Number(pid)
}

// ADR-0015: the same report on every topology, switched by the environment only.
describe.each(topologiesFromEnv())('on %s', (kind) => {
  it('prints the health report and the keyspace, and exits 0', async () => {
    await using topology = await startTopology(kind)
    const { code, output } = await run({ ...topology.env, REDIS_KEY_PREFIX: 'demo' })
    expect(code, output).toBe(0)
    expect(output).toContain('Redis health: ok')
    expect(output).toMatch(new RegExp(`^ {2}mode +${kind}$`, 'm'))
    expect(output).toMatch(/^ {2}server version +\d+\.\d+\.\d+$/m)
    expect(output).toMatch(/^ {2}role +master$/m)
    expect(output).toMatch(/^ {2}latency +\d+\.\d{3} ms \(one PING\)$/m)
    expect(output).toMatch(/^ {2}maxmemory-policy +\S+$/m)
    expect(output).toMatch(/^ {2}persistence +AOF (on|off), RDB snapshots (on|off)$/m)
    expect(output).toMatch(/^ {2}replicas +\d+$/m)
    if (kind === 'cluster') expect(output).toMatch(/^Masters:$/m)
    expect(output).toContain(
      `Keyspace: ${exampleKeyspace.namespaces.length} namespaces, application prefix "demo:"`,
    )
    for (const ns of exampleKeyspace.namespaces) expect(output).toContain(`demo:${ns.prefix}::`)
    expect(output).not.toContain('Started a local redis-server')
  })
})

describe('when nothing answers', () => {
  it('starts a local redis-server for a local standalone address, reports on it, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const { code, output } = await run({ REDIS_URL: url })
    expect(code, output).toBe(0)
    expect(output).toContain(`Nothing answered at ${url}`)
    expect(output).toContain('Redis health: ok')
    expect(output).toContain('Keyspace: ')
    expect(isAlive(startedPid(output))).toBe(false)
  })

  it('stops the local redis-server when interrupted (SIGINT) and exits 130', async () => {
    const controller = new AbortController()
    const url = `redis://127.0.0.1:${await freePort()}`
    const { code, output } = await run(
      { REDIS_URL: url },
      (text) => {
        if (text.startsWith('Started a local redis-server')) controller.abort('SIGINT')
      },
      controller.signal,
    )
    expect(code).toBe(130)
    expect(output).toContain('Interrupted (SIGINT): stopping.')
    expect(output).not.toContain('Redis health:')
    expect(isAlive(startedPid(output))).toBe(false)
  })

  it('reports a secured address that does not answer, without starting anything or showing the password', async () => {
    const port = await freePort()
    const { code, output } = await run({ REDIS_URL: `redis://app:s3cret-value@127.0.0.1:${port}` })
    expect(code).toBe(1)
    expect(output).toContain(`no Redis answered at redis://app:***@127.0.0.1:${port}`)
    expect(output).not.toContain('s3cret-value')
    expect(output).not.toContain('Started a local redis-server')
  })

  it('reports sentinels that do not answer, without starting anything', async () => {
    const port = await freePort()
    const { code, output } = await run({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: `127.0.0.1:${port}` })
    expect(code).toBe(1)
    expect(output).toContain('no Redis answered at the sentinel nodes')
    expect(output).not.toContain('Started a local redis-server')
  })
})

describe('with an invalid configuration', () => {
  it('lists every bad variable and exits 1 before connecting', async () => {
    const { code, output } = await run({ REDIS_MODE: 'galaxy', REDIS_COMMAND_TIMEOUT_MS: 'soon' })
    expect(code).toBe(1)
    expect(output).toContain('REDIS_MODE')
    expect(output).not.toContain('Redis health')
  })
})
