import { randomBytes } from 'node:crypto'
import { makeTestCertificates, startRedis, startTopology, type TestCertificates } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkRedisHealth, createRedis, loadRedisConfig, mastersOf, type RedisClient } from '../src/index.js'
import { openClient } from './open-client.js'

/** A redis-server listening with TLS only. Fails with the reason when the binary was built without TLS. */
async function startTlsRedis(certificates: TestCertificates) {
  try {
    return await startRedis({ tls: certificates })
  } catch (error) {
    throw new Error(
      'could not start redis-server with tls-port: this redis-server was probably built without TLS ' +
        '(BUILD_TLS=yes; Debian and Ubuntu packages include it), so the TLS tests cannot run here',
      { cause: error },
    )
  }
}

describe('TLS', () => {
  it('connects with rediss:// and a CA file to a TLS-only server', async () => {
    using certificates = makeTestCertificates()
    await using server = await startTlsRedis(certificates)
    const config = loadRedisConfig({
      REDIS_URL: `rediss://127.0.0.1:${server.port}`,
      REDIS_TLS_CA_FILE: certificates.caFile,
    })
    expect(config.tls).toBe(true)
    await using open = await openClient(config)
    expect(await open.client.set('tls:k', 'v')).toBe('OK')
    expect(await open.client.get('tls:k')).toBe('v')
    expect((await checkRedisHealth(open.client)).ok).toBe(true)
  })

  it('REDIS_TLS=true upgrades a redis:// URL', async () => {
    using certificates = makeTestCertificates()
    await using server = await startTlsRedis(certificates)
    const config = loadRedisConfig({
      REDIS_URL: `redis://localhost:${server.port}`,
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: certificates.caFile,
    })
    await using open = await openClient(config)
    expect(await open.client.ping()).toBe('PONG')
  })

  it('refuses a server whose certificate it cannot verify (no CA given)', async () => {
    using certificates = makeTestCertificates()
    await using server = await startTlsRedis(certificates)
    const client = createRedis(loadRedisConfig({ REDIS_URL: `rediss://127.0.0.1:${server.port}` }))
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    try {
      await expect(client.ping()).rejects.toThrow()
      expect(errors.map((e) => e.message).join('\n')).toMatch(/self-signed|unable to verify|certificate/i)
    } finally {
      client.disconnect()
    }
  })
})

// Issue 17: TLS on every topology, not only standalone. Every process listens with TLS only (no
// plain port at all), so a client that reached any node, sentinel or cluster bus in clear would
// fail: the data nodes, the sentinels (REDIS_TLS covers both), replication and the cluster bus.
describe.each(['sentinel', 'cluster'] as const)('TLS on %s', (kind) => {
  let certificates: TestCertificates
  let topology: Awaited<ReturnType<typeof startTopology>>
  beforeAll(async () => {
    certificates = makeTestCertificates()
    topology = await startTopology(kind, { tls: certificates })
  }, 120_000)
  afterAll(async () => {
    await topology?.[Symbol.asyncDispose]()
    certificates?.[Symbol.dispose]()
  })

  it('connects through TLS only, with the CA from REDIS_TLS_CA_FILE, and writes on every primary', async () => {
    const config = loadRedisConfig(topology.env)
    expect(config).toMatchObject({ mode: kind, tls: true, tlsCaFile: certificates.caFile })
    await using open = await openClient(config)
    const client: RedisClient = open.client
    const keys = Array.from({ length: 24 }, (_, i) => `tls:${kind}:${i}:${randomBytes(4).toString('hex')}`)
    for (const key of keys) expect(await client.set(key, key, 'PX', 60_000)).toBe('OK')
    for (const key of keys) expect(await client.get(key)).toBe(key)
    const health = await checkRedisHealth(client)
    expect(health).toMatchObject({ ok: true, mode: kind, role: 'master' })
    // Every master's socket is TLS (Cluster: one per master; Sentinel: the primary).
    const masters = mastersOf(client)
    expect(masters.length).toBe(kind === 'cluster' ? 3 : 1)
    for (const master of masters) expect(master.stream?.constructor.name).toBe('TLSSocket')
  })

  // Sentinel only (a Cluster's failovers go over the cluster bus, TLS by `tls-cluster yes`).
  if (kind === 'sentinel') {
    it('follows a failover over TLS: the sentinels and the new primary alike', async () => {
      if (topology.kind !== 'sentinel') throw new Error('expected the sentinel topology')
      await using open = await openClient(loadRedisConfig(topology.env))
      const client = open.client
      const primarySocket = () => mastersOf(client)[0]?.stream
      expect(await client.set('tls:before', '1')).toBe('OK')
      const promoted = await topology.group.failover({ timeoutMs: 60_000 })
      const followed = async () => {
        try {
          return (
            (await client.set('tls:after', '1')) === 'OK' && primarySocket()?.remotePort === promoted.port
          )
        } catch {
          return false
        }
      }
      await expect.poll(followed, { timeout: 30_000, interval: 200 }).toBe(true)
      expect(primarySocket()?.constructor.name).toBe('TLSSocket')
    })
  }

  it('refuses to connect without the CA: no data node or sentinel is reached in clear', async () => {
    const { REDIS_TLS_CA_FILE: _ca, ...withoutCa } = topology.env
    const client = createRedis(loadRedisConfig({ ...withoutCa, REDIS_CONNECT_TIMEOUT_MS: '1000' }))
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    client.on('node error', () => {}) // a Cluster's per-node failures (ioredis: "Connection is closed")
    try {
      // A Cluster client keeps its commands queued until its first `ready`: watch its errors.
      // ioredis does not pass a Cluster node's TLS failure on (the node's socket is closed by the
      // failed handshake; the same topology with the CA connects, above); a sentinel's, it does.
      const refused =
        /self-signed|unable to verify|certificate|sentinels are unreachable|Failed to refresh slots cache/i
      await expect
        .poll(() => errors.some((error) => refused.test(error.message)), { timeout: 15_000 })
        .toBe(true)
      expect(client.status).not.toBe('ready')
    } finally {
      client.disconnect()
    }
  })
})
