import { randomBytes } from 'node:crypto'
import { createRedis, loadRedisConfig, type RedisClient, RedlayerError } from '@redlayer/connection'
import { freePort, type StandaloneTopology, startRedis, startTopology } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleKeyspaceFor } from '../../example/src/keyspace.js'
import { jsonOf, runCli, runCliInProcess } from './run-cli.js'

let topology: StandaloneTopology
let redis: RedisClient

beforeAll(async () => {
  topology = await startTopology('standalone')
  redis = createRedis(loadRedisConfig(topology.env))
})

afterAll(async () => {
  await redis?.quit()
  await topology?.[Symbol.asyncDispose]()
})

/** A fresh application prefix per test: each test sees only its own keys. */
function isolated() {
  const prefix = `t${randomBytes(6).toString('hex')}`
  return { env: { ...topology.env, REDIS_KEY_PREFIX: prefix }, keyspace: exampleKeyspaceFor(prefix), prefix }
}

type Space = ReturnType<typeof isolated>['keyspace']
type Name = Space['namespaces'][number]['name']

async function seed(keyspace: Space, namespace: Name, count: number, ttlMs: number | null = 60_000) {
  const keys = Array.from({ length: count }, (_, i) => keyspace.key(namespace, 'item', i))
  for (const key of keys) {
    if (ttlMs === null) await redis.set(key, 'v')
    else await redis.set(key, 'v', 'PX', ttlMs)
  }
  return keys
}

const present = async (keys: readonly string[]) => (keys.length === 0 ? 0 : redis.exists(...keys))

describe('redlayer namespaces', () => {
  it('lists the example keyspace under REDIS_KEY_PREFIX, without needing Redis', async () => {
    const port = await freePort()
    const run = await runCli(['namespaces', '--json'], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: 'shop',
    })
    expect(run.exitCode).toBe(0)
    const doc = jsonOf<{
      prefix: string
      namespaces: { name: string; pattern: string; flushClass: string }[]
    }>(run)
    expect(doc).toMatchObject({ command: 'namespaces', ok: true, exitCode: 0 })
    expect(doc.result?.prefix).toBe('shop:')
    expect(doc.result?.namespaces.map((ns) => [ns.name, ns.pattern, ns.flushClass])).toEqual([
      ['entity', 'shop:entity::*', 'safe'],
      ['query', 'shop:cache:query::*', 'safe'],
      ['ratelimit', 'shop:ratelimit::*', 'disruptive'],
      ['session', 'shop:session::*', 'disruptive'],
      ['login', 'shop:login::*', 'disruptive'],
      ['lock', 'shop:lock::*', 'forbidden'],
      ['ai', 'shop:ai::*', 'safe'],
    ])
    const text = await runCliInProcess(['namespaces'], { REDIS_URL: `redis://127.0.0.1:${port}` })
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/^lock\s+lock::\*\s+30s \(50ms\.\.5m, absolute\)\s+forbidden\s+fail-closed/m)
  })
})

describe('redlayer health', () => {
  it('reports the server in text and JSON', async () => {
    const { env } = isolated()
    const run = await runCli(['health', '--json'], env)
    expect(run.exitCode).toBe(0)
    expect(jsonOf(run)).toMatchObject({
      command: 'health',
      ok: true,
      result: { ok: true, mode: 'standalone', role: 'master', address: `127.0.0.1:${topology.server.port}` },
    })
    const text = await runCliInProcess(['health'], env)
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toContain(`Redis standalone at 127.0.0.1:${topology.server.port}: ok`)
    expect(text.stdout).toMatch(/maxmemory-policy\s+noeviction/)
  })
})

describe('redlayer flush', () => {
  it('flushes a safe namespace, and only it; a dry run deletes nothing', async () => {
    const { env, keyspace } = isolated()
    const entities = await seed(keyspace, 'entity', 40)
    const queries = await seed(keyspace, 'query', 5)

    const dry = await runCliInProcess(['flush', 'entity', '--dry-run', '--json'], env)
    expect(dry.exitCode).toBe(0)
    expect(jsonOf(dry).result).toMatchObject({ namespace: 'entity', dryRun: true, matched: 40, deleted: 0 })
    expect(await present(entities)).toBe(40)

    const run = await runCli(['flush', 'entity', '--batch-size', '7'], env)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Flushed entity (safe): 40 keys deleted of 40 matched on 1 node(s)')
    expect(await present(entities)).toBe(0)
    expect(await present(queries)).toBe(5)
  })

  it('refuses to flush lock (forbidden), whatever the flags, and leaves its keys', async () => {
    const { env, keyspace } = isolated()
    const locks = await seed(keyspace, 'lock', 3)
    for (const flags of [['--force', '--reason', 'stuck lock'], ['--dry-run']]) {
      const run = await (flags[0] === '--dry-run' ? runCliInProcess : runCli)(
        ['flush', 'lock', '--json', ...flags],
        env,
      )
      expect(run.exitCode, flags.join(' ')).toBe(1)
      expect(jsonOf(run)).toMatchObject({
        command: 'flush',
        ok: false,
        exitCode: 1,
        error: { code: 'E_FLUSH_FORBIDDEN' },
      })
    }
    const text = await runCliInProcess(['flush', 'lock'], env)
    expect(text.exitCode).toBe(1)
    expect(text.stdout).toBe('')
    expect(text.stderr).toContain('redlayer flush: refused: namespace lock is flush-forbidden')
    expect(text.stderr).not.toMatch(/\n\s+at /)
    expect(await present(locks)).toBe(3)
  })

  it('flushes a disruptive namespace only with --force and --reason, and logs the record', async () => {
    const { env, keyspace } = isolated()
    const sessions = await seed(keyspace, 'session', 12)
    for (const flags of [['--force'], ['--reason', 'rotate the signing key']]) {
      const run = await runCliInProcess(['flush', 'session', '--json', ...flags], env)
      expect(run.exitCode, flags.join(' ')).toBe(1)
      expect(jsonOf(run).error?.code).toBe('E_FLUSH_REFUSED')
      expect(jsonOf(run).error?.message).toContain('--force and --reason')
    }
    expect(await present(sessions)).toBe(12)

    const dry = await runCliInProcess(['flush', 'session', '--dry-run', '--json'], env)
    expect(dry.exitCode).toBe(0)
    expect(jsonOf(dry).result).toMatchObject({ dryRun: true, matched: 12, deleted: 0 })

    const run = await runCli(
      ['flush', 'session', '--force', '--reason', 'rotate the signing key', '--json'],
      env,
    )
    expect(run.exitCode).toBe(0)
    expect(jsonOf(run).result).toMatchObject({
      namespace: 'session',
      flushClass: 'disruptive',
      deleted: 12,
      audit: {
        event: 'keyspace.flush',
        reason: 'rotate the signing key',
        forced: true,
        outcome: 'completed',
      },
    })
    const logged = JSON.parse(run.stderr.trim()) as Record<string, unknown>
    expect(logged).toMatchObject({
      level: 'warn',
      namespace: 'session',
      reason: 'rotate the signing key',
      deleted: 12,
    })
    expect(await present(sessions)).toBe(0)
  })
})

describe('an interrupted command (SIGINT, SIGTERM)', () => {
  it('stops a flush before it deletes anything (exit 1)', async () => {
    const { env, keyspace } = isolated()
    const entities = await seed(keyspace, 'entity', 10)
    const interrupt = new AbortController()
    interrupt.abort(new RedlayerError('E_INTERRUPTED', 'interrupted by SIGINT'))
    const run = await runCliInProcess(['flush', 'entity', '--json'], env, interrupt.signal)
    expect(run.exitCode).toBe(1)
    expect(jsonOf(run).error).toEqual({ code: 'E_INTERRUPTED', message: 'interrupted by SIGINT' })
    expect(await present(entities)).toBe(10)
  })

  it('stops waiting for a server that does not answer', async () => {
    await using server = await startRedis()
    server.pause()
    const interrupt = new AbortController()
    const run = runCliInProcess(
      ['health'],
      { REDIS_URL: server.url, REDIS_CONNECT_TIMEOUT_MS: '60000' },
      interrupt.signal,
    )
    interrupt.abort(new RedlayerError('E_INTERRUPTED', 'interrupted by SIGTERM'))
    const ended = await run
    server.resume()
    expect(ended.exitCode).toBe(1)
    expect(ended.stderr).toBe('redlayer health: interrupted by SIGTERM\n')
  })
})

describe('redlayer audit', () => {
  it('counts keys per namespace and exits 1 on keys without TTL and keys of no namespace', async () => {
    const { env, keyspace, prefix } = isolated()
    await seed(keyspace, 'entity', 20)
    await seed(keyspace, 'session', 4)
    await seed(keyspace, 'ai', 2, null)
    await redis.set(`${prefix}:stray`, 'v', 'PX', 60_000)

    const run = await runCli(['audit', '--json', '--sample-size', '5'], env)
    expect(run.exitCode).toBe(1)
    const audit = jsonOf<{
      complete: boolean
      namespaces: {
        namespace: string
        keys: number
        withoutTtl: number
        sampledKeys: number
        estimatedBytes: number
      }[]
      unclassified: { count: number }
      findings: { kind: string; namespace: string | null }[]
    }>(run).result
    const byName = new Map(audit?.namespaces.map((ns) => [ns.namespace, ns]))
    expect(byName.get('entity')).toMatchObject({ keys: 20, withoutTtl: 0, sampledKeys: 5 })
    expect(byName.get('entity')?.estimatedBytes).toBeGreaterThan(0)
    expect(byName.get('session')).toMatchObject({ keys: 4, withoutTtl: 0 })
    expect(byName.get('ai')).toMatchObject({ keys: 2, withoutTtl: 2 })
    expect(audit?.unclassified.count).toBe(1)
    expect(audit?.findings.map((f) => [f.kind, f.namespace])).toEqual([
      ['without-ttl', 'ai'],
      ['unclassified', null],
    ])

    const text = await runCliInProcess(['audit'], env)
    expect(text.exitCode).toBe(1)
    expect(text.stdout).toContain('2 keys of ai have no TTL')
    expect(text.stdout).toMatch(/^entity\s+safe\s+20\s+0\s+0\s+~/m)
  })

  it('exits 0 on a clean keyspace, and 1 with --max-keys stopping early', async () => {
    const { env, keyspace } = isolated()
    await seed(keyspace, 'query', 30)
    const clean = await runCliInProcess(['audit', '--json'], env)
    expect(clean.exitCode).toBe(0)
    expect(jsonOf<{ findings: unknown[] }>(clean).result?.findings).toEqual([])
    const partial = await runCliInProcess(['audit', '--json', '--max-keys', '5', '--sample-size', '0'], env)
    expect(partial.exitCode).toBe(1)
    expect(jsonOf<{ complete: boolean }>(partial).result?.complete).toBe(false)
  })
})

describe('configuration and reachability', () => {
  it('an unreachable Redis exits 3 with where it tried, password redacted', async () => {
    const port = await freePort()
    const run = await runCli(['doctor'], { REDIS_URL: `redis://app:hunter2secret@127.0.0.1:${port}` })
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain(`cannot reach Redis: connect ECONNREFUSED 127.0.0.1:${port}`)
    expect(run.stderr).toContain(`redis://app:***@127.0.0.1:${port}`)
    expect(run.stderr + run.stdout).not.toContain('hunter2secret')
    const json = await runCliInProcess(['audit', '--json'], { REDIS_URL: `redis://127.0.0.1:${port}` })
    expect(json.exitCode).toBe(3)
    expect(jsonOf(json)).toMatchObject({
      command: 'audit',
      ok: false,
      exitCode: 3,
      error: { code: 'E_REDIS_UNAVAILABLE' },
    })
  })

  it('a server that stops answering during a flush exits 3, and the record says it failed', async () => {
    const { env, keyspace } = isolated()
    await seed(keyspace, 'entity', 5)
    // Writes paused: SCAN still answers, UNLINK waits past the command timeout.
    await redis.call('CLIENT', 'PAUSE', '5000', 'WRITE')
    try {
      const run = await runCliInProcess(['flush', 'entity', '--json'], env)
      expect(run.exitCode).toBe(3)
      expect(jsonOf(run).error).toEqual({ code: 'E_REDIS_UNAVAILABLE', message: 'Command timed out' })
      expect(JSON.parse(run.stderr)).toMatchObject({
        level: 'info',
        namespace: 'entity',
        outcome: 'failed',
        deleted: 0,
      })
    } finally {
      await redis.call('CLIENT', 'UNPAUSE')
    }
  })

  it('a server that accepts but never answers (SIGSTOP) exits 3 after the connect timeout', async () => {
    await using server = await startRedis()
    server.pause()
    const run = await runCli(
      ['health', '--json'],
      { REDIS_URL: server.url, REDIS_CONNECT_TIMEOUT_MS: '300' },
      10_000,
    )
    server.resume()
    expect(run.exitCode).toBe(3)
    expect(jsonOf(run).error?.code).toBe('E_REDIS_UNAVAILABLE')
  })
})
