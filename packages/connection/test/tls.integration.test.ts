import { freePort, startRedis } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { checkRedisHealth, createRedis, loadRedisConfig } from '../src/index.js'
import { openClient } from './open-client.js'
import { makeTestCertificates, tlsServerConfig } from './tls-certificates.js'

/** A redis-server listening with TLS only. Fails with the reason when the binary was built without TLS. */
async function startTlsRedis(certificates: ReturnType<typeof makeTestCertificates>) {
  const port = await freePort()
  try {
    return await startRedis({ port, config: tlsServerConfig(certificates, port) })
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
