import { checkRedisHealth, describeRedisConfig, isRedlayerError, loadRedisConfig } from '@redlayer/connection'
import { formatHealthReport } from './health-report.js'
import { exampleKeyspaceFor } from './keyspace.js'
import { formatKeyspaceReport } from './keyspace-report.js'
import { type ConnectedRedis, connectRedis } from './local-redis.js'

export interface StartReportOptions {
  env: Record<string, string | undefined>
  /** Receives the report, one block at a time. */
  write: (text: string) => void
  /** Aborted with the signal name ('SIGINT', 'SIGTERM') to stop early and clean up. */
  signal?: AbortSignal
}

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 }

/**
 * What `npm start` does until the example app exists: load the Redis config from the
 * environment, connect (starting a local redis-server when nothing answers at a local address),
 * print the health report and the example keyspace. Returns the exit code: 0 when Redis is
 * healthy, 1 when the config is invalid or Redis is unreachable or unhealthy, 128 + signal
 * number when interrupted. The local server, if any, is stopped before it returns.
 */
export async function runStartReport({ env, write, signal }: StartReportOptions): Promise<number> {
  let config: ReturnType<typeof loadRedisConfig>
  try {
    config = loadRedisConfig(env)
  } catch (error) {
    if (!isRedlayerError(error, 'E_INVALID_CONFIG')) throw error
    write(error.message)
    return 1
  }
  write('redlayer example (first version): Redis health and the example keyspace')
  write(describeRedisConfig(config))
  let redis: ConnectedRedis | undefined
  try {
    redis = await connectRedis(config, env, { write, signal })
    const health = await checkRedisHealth(redis.client, signal ? { signal } : {})
    write(formatHealthReport(health))
    write(formatKeyspaceReport(exampleKeyspaceFor(config.keyPrefix)))
    return health.ok ? 0 : 1
  } catch (error) {
    if (signal?.aborted) {
      write(`Interrupted (${String(signal.reason)}): stopping.`)
      return SIGNAL_EXIT_CODES[String(signal.reason)] ?? 1
    }
    if (!isRedlayerError(error, 'E_REDIS_UNREACHABLE')) throw error
    write(
      `${error.message}\nSet REDIS_MODE and REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES): see README.md.`,
    )
    return 1
  } finally {
    await redis?.[Symbol.asyncDispose]()
  }
}
