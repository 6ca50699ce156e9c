import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ConfigProblem, loadRedisConfig, parseRedisConfig } from './config.js'
import { isRedlayerError } from './errors.js'

const SECRET = 'S3cr3t-p@ss-do-not-leak'

function problemsOf(run: () => unknown): { message: string; problems: ConfigProblem[] } {
  try {
    run()
  } catch (error) {
    if (!isRedlayerError(error, 'E_INVALID_CONFIG')) throw error
    return { message: error.message, problems: error.details.problems as ConfigProblem[] }
  }
  throw new Error('expected E_INVALID_CONFIG')
}

const dir = mkdtempSync(join(tmpdir(), 'redlayer-config-test-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, 'not checked here, only readability')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loadRedisConfig defaults', () => {
  it('serves a local standalone Redis when nothing is set', () => {
    expect(loadRedisConfig({})).toEqual({
      mode: 'standalone',
      url: 'redis://127.0.0.1:6379',
      tls: false,
      commandTimeoutMs: 500,
      connectTimeoutMs: 2000,
    })
  })

  it('treats empty variables as unset', () => {
    expect(loadRedisConfig({ REDIS_MODE: '', REDIS_PASSWORD: ' ', REDIS_URL: '' }).mode).toBe('standalone')
  })

  it('defaults the sentinel master group name to mymaster', () => {
    const config = loadRedisConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'a:26379' })
    expect(config).toMatchObject({ mode: 'sentinel', sentinelName: 'mymaster', tls: false })
  })
})

describe('loadRedisConfig reads every variable', () => {
  it('standalone with credentials, TLS, prefix and timeouts', () => {
    const config = loadRedisConfig({
      REDIS_MODE: 'standalone',
      REDIS_URL: 'redis://cache.internal:6380/2',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: SECRET,
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: caFile,
      REDIS_KEY_PREFIX: 'shop:eu',
      REDIS_COMMAND_TIMEOUT_MS: '250',
      REDIS_CONNECT_TIMEOUT_MS: '1500',
    })
    expect(config).toEqual({
      mode: 'standalone',
      url: 'redis://cache.internal:6380/2',
      username: 'app',
      password: SECRET,
      tls: true,
      tlsCaFile: caFile,
      keyPrefix: 'shop:eu',
      commandTimeoutMs: 250,
      connectTimeoutMs: 1500,
    })
  })

  it('a rediss:// URL turns TLS on', () => {
    expect(loadRedisConfig({ REDIS_URL: 'rediss://h:6379' }).tls).toBe(true)
  })

  it('sentinel with its own credentials and an IPv6 sentinel', () => {
    const config = loadRedisConfig({
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: 's1.internal:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'orders',
      REDIS_SENTINEL_USERNAME: 'sentinel-user',
      REDIS_SENTINEL_PASSWORD: SECRET,
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: SECRET,
      REDIS_TLS: 'yes',
    })
    expect(config).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1.internal', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      sentinelName: 'orders',
      sentinelUsername: 'sentinel-user',
      sentinelPassword: SECRET,
      username: 'app',
      password: SECRET,
      tls: true,
      commandTimeoutMs: 500,
      connectTimeoutMs: 2000,
    })
  })

  it('cluster nodes', () => {
    const config = loadRedisConfig({
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: 'n1:7000,n2:7001,[fe80::1]:7002',
    })
    expect(config).toMatchObject({
      mode: 'cluster',
      clusterNodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: 'fe80::1', port: 7002 },
      ],
    })
  })

  it.each([
    ['false', false],
    ['0', false],
    ['off', false],
    ['TRUE', true],
    ['1', true],
    ['on', true],
  ])('REDIS_TLS=%s is %s', (value, expected) => {
    expect(loadRedisConfig({ REDIS_TLS: value }).tls).toBe(expected)
  })
})

describe('loadRedisConfig errors', () => {
  it('lists every bad variable at once, with its reason', () => {
    const { message, problems } = problemsOf(() =>
      loadRedisConfig({
        REDIS_MODE: 'sentinel',
        REDIS_SENTINELS: 'good:26379,no-port,[::1]:99999,[not-ipv6]:1',
        REDIS_SENTINEL_NAME: 'has space',
        REDIS_TLS: 'maybe',
        REDIS_TLS_CA_FILE: join(dir, 'missing.pem'),
        REDIS_KEY_PREFIX: 'bad*prefix',
        REDIS_COMMAND_TIMEOUT_MS: 'soon',
        REDIS_CONNECT_TIMEOUT_MS: '0',
        REDIS_CLUSTER_NODES: 'n1:7000',
        REDIS_URL: 'redis://x:1',
      }),
    )
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        'REDIS_CLUSTER_NODES',
        'REDIS_COMMAND_TIMEOUT_MS',
        'REDIS_CONNECT_TIMEOUT_MS',
        'REDIS_KEY_PREFIX',
        'REDIS_SENTINELS',
        'REDIS_SENTINELS',
        'REDIS_SENTINELS',
        'REDIS_SENTINEL_NAME',
        'REDIS_TLS',
        'REDIS_TLS_CA_FILE',
        'REDIS_URL',
      ].sort(),
    )
    expect(problems).toContainEqual({ field: 'REDIS_SENTINELS', reason: 'entry 2: expected host:port' })
    expect(problems).toContainEqual({
      field: 'REDIS_SENTINELS',
      reason: 'entry 3: port must be an integer from 1 to 65535',
    })
    expect(problems).toContainEqual({
      field: 'REDIS_SENTINELS',
      reason: 'entry 4: the address in brackets is not an IPv6 address',
    })
    expect(problems).toContainEqual({ field: 'REDIS_TLS', reason: 'must be true or false' })
    expect(problems).toContainEqual({ field: 'REDIS_URL', reason: 'is not used in sentinel mode' })
    expect(problems).toContainEqual({ field: 'REDIS_TLS_CA_FILE', reason: 'is not a readable file' })
    expect(problems).toContainEqual({
      field: 'REDIS_COMMAND_TIMEOUT_MS',
      reason: 'must be a whole number of milliseconds from 1 to 60000',
    })
    for (const { field, reason } of problems) expect(message).toContain(`${field}: ${reason}`)
    expect(message).toContain('11 problems')
  })

  it('an unknown mode is reported together with the problems of the shared settings', () => {
    const { problems } = problemsOf(() =>
      loadRedisConfig({ REDIS_MODE: 'replicated', REDIS_COMMAND_TIMEOUT_MS: '-5', REDIS_PASSWORD: SECRET }),
    )
    expect(problems).toEqual([
      { field: 'REDIS_MODE', reason: 'must be one of standalone, sentinel, cluster' },
      { field: 'REDIS_COMMAND_TIMEOUT_MS', reason: 'must be a whole number of milliseconds from 1 to 60000' },
    ])
  })

  it('requires the sentinel list in sentinel mode and the node list in cluster mode', () => {
    expect(problemsOf(() => loadRedisConfig({ REDIS_MODE: 'sentinel' })).problems).toEqual([
      { field: 'REDIS_SENTINELS', reason: expect.any(String) },
    ])
    expect(
      problemsOf(() => loadRedisConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: ',' })).problems,
    ).toEqual([{ field: 'REDIS_CLUSTER_NODES', reason: 'needs at least one host:port' }])
  })

  it.each([
    ['http://h:6379', 'must start with redis:// or rediss://'],
    ['not a url', 'is not a valid URL (expected redis://[user:password@]host:port[/db])'],
    ['redis://h:6379/abc', 'the path must be a database number (/0, /1, ...)'],
    ...['redis://h:6379/?password=hunter2', 'redis://h:6379?family=6', 'redis://h:6379/0#x'].map((url) => [
      url,
      'must not have a query or fragment (?... or #...): give the password as REDIS_PASSWORD and other settings by their variables',
    ]),
  ])('rejects REDIS_URL %s', (url, reason) => {
    expect(problemsOf(() => loadRedisConfig({ REDIS_URL: url })).problems).toEqual([
      { field: 'REDIS_URL', reason },
    ])
  })

  it('rejects REDIS_TLS=false with a rediss:// URL', () => {
    expect(
      problemsOf(() => loadRedisConfig({ REDIS_URL: 'rediss://h:1', REDIS_TLS: 'false' })).problems,
    ).toEqual([{ field: 'REDIS_TLS', reason: 'is false but the URL is rediss:// (TLS)' }])
  })

  it('rejects a duplicated address and an IPv6 address without brackets', () => {
    const { problems } = problemsOf(() =>
      loadRedisConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:1,a:1,::1:7000,bad_host!:1' }),
    )
    expect(problems.map((p) => p.reason)).toEqual([
      'entry 3: an IPv6 address must be written in brackets: [::1]:6379',
      'entry 4: host is not a valid hostname, IPv4 address or IPv6 address',
      'lists an address twice',
    ])
  })
})

describe('secrets never appear in errors', () => {
  it('not a password, not a URL carrying one, in the message or the details', () => {
    const urlWithSecret = `redis://user:${SECRET}@host:notaport`
    const { message, problems } = problemsOf(() =>
      loadRedisConfig({
        REDIS_URL: urlWithSecret,
        REDIS_MODE: 'cluster',
        REDIS_CLUSTER_NODES: SECRET,
        REDIS_PASSWORD: SECRET,
        REDIS_SENTINEL_PASSWORD: SECRET,
        REDIS_USERNAME: `with space ${SECRET}`,
      }),
    )
    const everything = `${message}\n${JSON.stringify(problems)}`
    expect(problems.length).toBeGreaterThanOrEqual(4)
    expect(everything).not.toContain(SECRET)
    expect(everything).not.toContain('S3cr3t')
  })

  it('a malformed URL with a password is reported without it', () => {
    const { message, problems } = problemsOf(() => loadRedisConfig({ REDIS_URL: `redis://:${SECRET}@/0x` }))
    expect(problems).toHaveLength(1)
    expect(`${message}${JSON.stringify(problems)}`).not.toContain(SECRET)
  })
})

describe('parseRedisConfig (config in code)', () => {
  it('validates like the environment, mode defaulting to standalone', () => {
    expect(parseRedisConfig({ url: 'rediss://h:6379', commandTimeoutMs: 100 })).toEqual({
      mode: 'standalone',
      url: 'rediss://h:6379',
      tls: true,
      commandTimeoutMs: 100,
      connectTimeoutMs: 2000,
    })
  })

  it('accepts addresses as strings or objects', () => {
    const config = parseRedisConfig({
      mode: 'cluster',
      clusterNodes: ['n1:7000', { host: '::1', port: 7001 }],
    })
    expect(config.mode === 'cluster' && config.clusterNodes).toEqual([
      { host: 'n1', port: 7000 },
      { host: '::1', port: 7001 },
    ])
  })

  it('names fields by their path and lists unknown keys', () => {
    const { problems } = problemsOf(() =>
      parseRedisConfig({
        mode: 'sentinel',
        sentinels: [{ host: 'a', port: 0 }],
        commandTimeoutMs: 1.5,
        keyPrefx: 'typo',
      } as never),
    )
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'sentinels', reason: 'entry 1: port must be an integer from 1 to 65535' },
        { field: 'commandTimeoutMs', reason: 'must be a whole number of milliseconds from 1 to 60000' },
        { field: 'keyPrefx', reason: 'is not a known setting' },
      ]),
    )
    expect(problems).toHaveLength(3)
  })

  it('rejects something that is not an object', () => {
    expect(problemsOf(() => parseRedisConfig(null as never)).problems).toEqual([
      { field: 'config', reason: 'must be an object' },
    ])
  })
})
