import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with `openssl` at test time. */
export interface TestCertificates extends Disposable {
  dir: string
  caFile: string
  certFile: string
  keyFile: string
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'redlayer-tls-'))
  const path = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`openssl ${args[0]} failed; the TLS tests need the openssl command on PATH`, {
        cause: error,
      })
    }
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=redlayer test CA',
  )
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(path('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  )
  return {
    dir,
    caFile: path('ca.crt'),
    certFile: path('server.crt'),
    keyFile: path('server.key'),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * redis.conf lines that make a server listen with TLS only, on `port`: clients, replication (a
 * replica to its primary, a sentinel to the nodes it watches) and the cluster bus alike.
 */
export function tlsServerConfig(certificates: TestCertificates, port: number): string[] {
  return [
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${certificates.certFile}`,
    `tls-key-file ${certificates.keyFile}`,
    `tls-ca-cert-file ${certificates.caFile}`,
    'tls-auth-clients no',
    'tls-replication yes',
  ]
}

/** What `loadRedisConfig` reads to reach servers of these certificates: TLS, and their CA. */
export function tlsEnv(certificates: TestCertificates | undefined): Record<string, string> {
  return certificates === undefined ? {} : { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certificates.caFile }
}
