import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { freePort, startTopology, topologiesFromEnv } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { exampleKeyspace } from '../src/keyspace.js'
import { startApp } from '../src/start-app.js'

// What `npm start` does, against real redis-server processes: by default the app is stopped
// (SIGINT) as soon as it listens, after one request to /health.

interface Run {
  env: Record<string, string>
  onWrite?: (text: string, stop: (reason: string) => void) => void
}

async function run({ env, onWrite }: Run) {
  const blocks: string[] = []
  const controller = new AbortController()
  const stop = (reason: string) => controller.abort(reason)
  let health: unknown
  const code = await startApp({
    env: { PORT: '0', ADMIN_PORT: '0', ...env },
    write: (text) => {
      blocks.push(text)
      onWrite?.(text, stop)
    },
    signal: controller.signal,
    onListening: (url) => {
      void (async () => {
        try {
          health = await (await fetch(`${url}/health`)).json()
        } finally {
          stop('SIGINT')
        }
      })()
    },
  })
  return { code, output: blocks.join('\n'), health: health as { status?: string; redis?: { mode?: string } } }
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

// ADR-0015: the same app on every topology, switched by the environment only.
describe.each(topologiesFromEnv())('on %s', (kind) => {
  it('prints the health report and the keyspace, serves, and stops on SIGINT with 130', async () => {
    // A deployment the app accepts: locks need persistence (ADR-0030).
    await using topology = await startTopology(kind, { config: ['appendonly yes'] })
    const { code, output, health } = await run({ env: { ...topology.env, REDIS_KEY_PREFIX: 'demo' } })
    expect(code, output).toBe(130)
    expect(output).toContain('Redis health: ok')
    expect(output).toMatch(new RegExp(`^ {2}mode +${kind}$`, 'm'))
    expect(output).toMatch(/^ {2}role +master$/m)
    expect(output).toContain(
      `Keyspace: ${exampleKeyspace.namespaces.length} namespaces, application prefix "demo:"`,
    )
    for (const ns of exampleKeyspace.namespaces) expect(output).toContain(`demo:${ns.prefix}::`)
    expect(output).toMatch(/Database: embedded PGlite .*seeded \d+ entities/)
    expect(output).toMatch(/^Listening on http:\/\/127\.0\.0\.1:\d+ \(Redis /m)
    expect(output).toContain('Stopping (SIGINT).')
    expect(output).not.toContain('Started a local redis-server')
    expect(health).toMatchObject({ status: 'ok', redis: { mode: kind } })
  })
})

describe('when nothing answers', () => {
  it('starts a local redis-server for a local standalone address, serves on it, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const { code, output, health } = await run({ env: { REDIS_URL: url } })
    expect(code, output).toBe(130)
    expect(output).toContain(`Nothing answered at ${url}`)
    expect(output).toContain('Redis health: ok')
    expect(output).toMatch(/Listening on .* \(Redis standalone, the local redis-server on port \d+\)/)
    expect(health).toMatchObject({ status: 'ok' })
    expect(isAlive(startedPid(output))).toBe(false)
  })

  it('stops the local redis-server when interrupted (SIGINT) before serving, and exits 130', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const { code, output } = await run({
      env: { REDIS_URL: url },
      onWrite: (text, stop) => {
        if (text.startsWith('Started a local redis-server')) stop('SIGINT')
      },
    })
    expect(code).toBe(130)
    expect(output).toContain('Interrupted (SIGINT): stopping.')
    expect(output).not.toContain('Listening on')
    expect(isAlive(startedPid(output))).toBe(false)
  })

  it('reports a secured address that does not answer, without starting anything or showing the password', async () => {
    const port = await freePort()
    const { code, output } = await run({ env: { REDIS_URL: `redis://app:s3cret-value@127.0.0.1:${port}` } })
    expect(code).toBe(1)
    expect(output).toContain(`no Redis answered at redis://app:***@127.0.0.1:${port}`)
    expect(output).not.toContain('s3cret-value')
    expect(output).not.toContain('Started a local redis-server')
  })

  it('reports sentinels that do not answer, without starting anything', async () => {
    const port = await freePort()
    const { code, output } = await run({
      env: { REDIS_MODE: 'sentinel', REDIS_SENTINELS: `127.0.0.1:${port}` },
    })
    expect(code).toBe(1)
    expect(output).toContain('no Redis answered at the sentinel nodes')
    expect(output).not.toContain('Started a local redis-server')
  })
})

describe('when the app cannot serve', () => {
  it('reports a PostgreSQL that does not answer, without its password, and stops the local Redis', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const dbPort = await freePort()
    const { code, output } = await run({
      env: { REDIS_URL: url, DATABASE_URL: `postgres://app:db-s3cret@127.0.0.1:${dbPort}/app` },
    })
    expect(code).toBe(1)
    expect(output).toContain(`PostgreSQL at postgres://app:***@127.0.0.1:${dbPort}/app did not answer`)
    expect(output).not.toContain('db-s3cret')
    expect(isAlive(startedPid(output))).toBe(false)
  })

  it('refuses to start on a Redis without persistence under its locks, naming the namespace', async () => {
    await using topology = await startTopology('standalone')
    const { code, output } = await run({ env: topology.env })
    expect(code).toBe(1)
    expect(output).toContain('Refusing to start: no persistence (AOF and RDB off): a restart loses')
    expect(output).toContain('and with it the locks held')
    expect(output).toContain('Set appendonly yes on the Redis')
    expect(output).not.toContain('Listening on')
  })

  it('refuses to start on a Redis whose eviction policy may evict the locks, naming the namespace', async () => {
    await using topology = await startTopology('standalone', {
      config: ['appendonly yes', 'maxmemory-policy allkeys-lru'],
    })
    const { code, output } = await run({ env: topology.env })
    expect(code).toBe(1)
    expect(output).toContain('Refusing to start: allkeys-lru may evict any key, including the keys of lock')
    expect(output).toContain('evicting a lock breaks mutual exclusion')
    expect(output).not.toContain('Listening on')
  })

  it('reports a port in use', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    try {
      const port = (blocker.address() as AddressInfo).port
      const { code, output } = await run({
        env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: String(port) },
      })
      expect(code).toBe(1)
      expect(output).toContain(`127.0.0.1:${port} is in use: set PORT (HOST) to a free address.`)
      const admin = await run({
        env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, ADMIN_PORT: String(port) },
      })
      expect(admin.code).toBe(1)
      expect(admin.output).toContain(
        `127.0.0.1:${port} is in use: set ADMIN_PORT (ADMIN_HOST) to a free address.`,
      )
    } finally {
      blocker.close()
    }
  })
})

describe('with an invalid configuration', () => {
  it('lists every bad variable and exits 1 before connecting', async () => {
    const { code, output } = await run({
      env: {
        REDIS_MODE: 'galaxy',
        REDIS_COMMAND_TIMEOUT_MS: 'soon',
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
      },
    })
    expect(code).toBe(1)
    expect(output).toContain('REDIS_MODE')
    expect(output).not.toContain('Redis health')
  })

  it('lists bad app variables (PORT, DATABASE_URL) without echoing their values', async () => {
    const { code, output } = await run({
      env: { PORT: 'eighty', DATABASE_URL: 'mysql://user:pw-secret@db/x' },
    })
    expect(code).toBe(1)
    expect(output).toContain('PORT')
    expect(output).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL')
    expect(output).not.toContain('pw-secret')
  })
})
