import {
  createRedis,
  loadRedisConfig,
  type RedisClient,
  type RedisConfig,
  RedlayerError,
  redactRedisUrl,
} from '@redlayer/connection'
import { settleWithin } from '@redlayer/connection/internal'
import type { RedisProcess } from '@redlayer/testkit'

/** The Redis the example talks to, and the throwaway server it started, if it had to. */
export interface ConnectedRedis extends AsyncDisposable {
  readonly config: RedisConfig
  readonly client: RedisClient
  /** The local redis-server started because nothing answered at a local address; else undefined. */
  readonly local: RedisProcess | undefined
}

export interface ConnectOptions {
  /** Progress lines for people. */
  write: (line: string) => void
  signal?: AbortSignal
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/**
 * True for a plain standalone Redis on this machine (the default `redis://127.0.0.1:6379` among
 * them): no credentials, no TLS. Only then may a throwaway server stand in when nothing answers;
 * a remote, secured, Sentinel or Cluster config is what the operator asked for, and is reported.
 */
export function isLocalStandalone(config: RedisConfig): boolean {
  if (config.mode !== 'standalone' || config.tls || config.username || config.password) return false
  const url = new URL(config.url)
  return (
    url.protocol === 'redis:' &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.username === '' &&
    url.password === ''
  )
}

/**
 * Connects with the config and PINGs within the config's own bounds (connect plus command
 * timeout). Resolves to the client when it answered, or closes it and resolves to why not.
 */
async function probe(config: RedisConfig, signal?: AbortSignal): Promise<RedisClient | { reason: string }> {
  signal?.throwIfAborted()
  const client = createRedis(config, { connectionName: 'redlayer-example' })
  let lastError: Error | undefined
  // ioredis reports every failed reconnect as an `error` event; keep the latest as the reason.
  client.on('error', (error: Error) => {
    lastError = error
  })
  const boundMs = config.connectTimeoutMs + config.commandTimeoutMs
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms`)), boundMs)
    timer.unref()
  })
  try {
    await settleWithin(Promise.race([client.ping(), deadline]), { signal })
    return client
  } catch (error) {
    client.disconnect()
    if (signal?.aborted) throw signal.reason
    return { reason: (lastError ?? (error as Error)).message }
  } finally {
    clearTimeout(timer)
  }
}

async function closeClient(client: RedisClient): Promise<void> {
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
}

/**
 * The Redis of the config; or, when nothing answers at a local standalone address, a local
 * redis-server on a free port that this process starts and stops (on dispose, on exit, and on
 * SIGINT/SIGTERM through the caller's signal). Anything else that does not answer is an
 * `E_REDIS_UNREACHABLE` error saying what was tried.
 */
export async function connectRedis(
  config: RedisConfig,
  env: Record<string, string | undefined>,
  options: ConnectOptions,
): Promise<ConnectedRedis> {
  const first = await probe(config, options.signal)
  if (!('reason' in first)) return connected(config, first, undefined)
  const where = config.mode === 'standalone' ? redactRedisUrl(config.url) : `the ${config.mode} nodes`
  if (!isLocalStandalone(config)) {
    throw new RedlayerError('E_REDIS_UNREACHABLE', `no Redis answered at ${where}: ${first.reason}`, {
      details: { mode: config.mode },
    })
  }
  options.write(`Nothing answered at ${where} (${first.reason}).`)
  let local: RedisProcess
  try {
    local = await settleWithin(startLocalRedis(), { signal: options.signal })
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    throw new RedlayerError(
      'E_REDIS_UNREACHABLE',
      `no Redis answered at ${where}, and no local redis-server could be started: ${(error as Error).message}`,
      { cause: error },
    )
  }
  options.write(
    `Started a local redis-server for this run on ${local.host}:${local.port} (pid ${local.pid}); ` +
      'it is stopped when this process ends. Set REDIS_URL to use your own Redis.',
  )
  const localConfig = loadRedisConfig({ ...env, REDIS_MODE: 'standalone', REDIS_URL: local.url })
  let second: Awaited<ReturnType<typeof probe>>
  try {
    second = await probe(localConfig, options.signal)
  } catch (error) {
    await local[Symbol.asyncDispose]()
    throw error
  }
  if ('reason' in second) {
    await local[Symbol.asyncDispose]()
    throw new RedlayerError('E_REDIS_UNREACHABLE', `the local redis-server did not answer: ${second.reason}`)
  }
  return connected(localConfig, second, local)
}

function connected(
  config: RedisConfig,
  client: RedisClient,
  local: RedisProcess | undefined,
): ConnectedRedis {
  return {
    config,
    client,
    local,
    async [Symbol.asyncDispose]() {
      await closeClient(client)
      await local?.[Symbol.asyncDispose]()
    },
  }
}

/**
 * The throwaway redis-server of `npm start` on a machine whose Redis does not answer: a
 * development aid, so the testkit that starts it is a development dependency, loaded only here.
 */
async function startLocalRedis(): Promise<RedisProcess> {
  let testkit: typeof import('@redlayer/testkit')
  try {
    testkit = await import('@redlayer/testkit')
  } catch (error) {
    throw new Error('@redlayer/testkit (a development dependency) is not installed', { cause: error })
  }
  // Issue 17: settings `redlayer doctor` passes (deploy/redis/redis.conf's): an AOF under the
  // locks, a memory limit with noeviction. It lives in the process's temporary directory.
  return testkit.startRedis({
    config: ['appendonly yes', 'appendfsync everysec', 'maxmemory 256mb', 'maxmemory-policy noeviction'],
  })
}
