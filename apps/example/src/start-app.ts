import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import {
  checkRedisHealth,
  describeRedisConfig,
  isRedlayerError,
  loadRedisConfig,
  RedlayerError,
} from '@redlayer/connection'
import { evictionRisk, persistenceRisk } from '@redlayer/keyspace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { type AppConfig, loadAppConfig, redactDatabaseUrl } from './app-config.js'
import { openDatabase } from './db/database.js'
import { migrate } from './db/schema.js'
import { formatHealthReport } from './health-report.js'
import { exampleKeyspaceFor } from './keyspace.js'
import { formatKeyspaceReport } from './keyspace-report.js'
import { type ConnectedRedis, connectRedis } from './local-redis.js'

export interface StartAppOptions {
  env: Record<string, string | undefined>
  /** Receives what people read, one block at a time. */
  write: (text: string) => void
  /** Aborted with the signal name ('SIGINT', 'SIGTERM') to stop the app and clean up. */
  signal: AbortSignal
  /** Called once the app listens, with the base URLs of the API and of the admin listener. */
  onListening?: (url: string, adminUrl: string) => void
}

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 }

function loadConfigs(env: Record<string, string | undefined>) {
  return { redis: loadRedisConfig(env), app: loadAppConfig(env) }
}

/**
 * `npm start`: load the configuration, connect to Redis (starting a local redis-server when
 * nothing answers at a local address), print its health and the keyspace, open the database
 * (PostgreSQL at DATABASE_URL, else an embedded PGlite created and seeded here), and serve the app
 * until `signal` aborts. Returns the exit code: 128 + signal number after a clean stop, 1 when the
 * configuration is invalid or Redis is unreachable. Everything started here is stopped before it
 * returns, the local redis-server included.
 */
export async function startApp({ env, write, signal, onListening }: StartAppOptions): Promise<number> {
  let configs: ReturnType<typeof loadConfigs>
  try {
    configs = loadConfigs(env)
  } catch (error) {
    if (!isRedlayerError(error, 'E_INVALID_CONFIG')) throw error
    write(error.message)
    return 1
  }
  write('redlayer example: a Fastify service over every redlayer package')
  write(describeRedisConfig(configs.redis))
  let redis: ConnectedRedis | undefined
  try {
    redis = await connectRedis(configs.redis, env, { write, signal })
    const health = await checkRedisHealth(redis.client, { signal })
    write(formatHealthReport(health))
    const keyspace = exampleKeyspaceFor(redis.config.keyPrefix)
    write(formatKeyspaceReport(keyspace))
    // ADR-0013 / ADR-0030: a server whose settings break a declared guarantee (an eviction policy
    // that may evict the locks, no persistence under them) is refused at start, naming the
    // namespaces and the guarantee. The local redis-server started above passes (AOF, noeviction).
    const nodes = health.mode === 'cluster' ? health.nodes : [health]
    const risks = nodes.flatMap((node) => [
      ...(node.maxmemoryPolicy === null
        ? []
        : [
            {
              risk: evictionRisk(node.maxmemoryPolicy, keyspace.namespaces),
              fix: 'maxmemory-policy noeviction',
            },
          ]),
      { risk: persistenceRisk(node.persistence, keyspace.namespaces), fix: 'appendonly yes' },
    ])
    const broken = risks.find(({ risk }) => risk.status === 'fail')
    if (broken !== undefined) {
      write(`Refusing to start: ${broken.risk.message}.\nSet ${broken.fix} on the Redis (see ADR-0015).`)
      return 1
    }
    return await serve(redis, configs.app, { write, signal, onListening })
  } catch (error) {
    if (signal.aborted) {
      write(`Interrupted (${String(signal.reason)}): stopping.`)
      return SIGNAL_EXIT_CODES[String(signal.reason)] ?? 1
    }
    if (isRedlayerError(error, 'E_REDIS_UNREACHABLE')) {
      write(
        `${error.message}\nSet REDIS_MODE and REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES): see README.md.`,
      )
      return 1
    }
    if (isRedlayerError(error, 'E_DATABASE_UNREACHABLE')) {
      write(
        `${error.message}\nSet DATABASE_URL to a PostgreSQL that answers, or unset it for the embedded database.`,
      )
      return 1
    }
    if (isRedlayerError(error, 'E_ADDRESS_IN_USE')) {
      write(error.message)
      return 1
    }
    throw error
  } finally {
    await redis?.[Symbol.asyncDispose]()
  }
}

async function serve(
  redis: ConnectedRedis,
  config: AppConfig,
  { write, signal, onListening }: Omit<StartAppOptions, 'env'>,
): Promise<number> {
  await using db = await openDatabase(config.databaseUrl)
  const { seeded } = await migrate(db)
  write(
    config.databaseUrl
      ? `Database: PostgreSQL at ${redactDatabaseUrl(config.databaseUrl)}${seeded ? `, seeded ${seeded} entities` : ''}`
      : `Database: embedded PGlite (in memory; set DATABASE_URL for PostgreSQL), seeded ${seeded} entities`,
  )
  const { api, admin } = await buildApp({
    redis: redis.client,
    mode: redis.config.mode,
    keyPrefix: redis.config.keyPrefix,
    db,
    rateLimits: {
      name: 'per-minute',
      capacity: config.rateLimitPerMinute,
      refill: { tokens: config.rateLimitPerMinute, interval: '1m' },
    },
    instances: config.instances,
    logger: { level: 'warn' },
    adminToken: config.adminToken,
    sessionSecret: config.sessionSecrets ?? [randomBytes(32).toString('base64url')],
  })
  try {
    const url = await listen(api, config.host, config.port, 'PORT (HOST)')
    const adminUrl = await listen(admin, config.adminHost, config.adminPort, 'ADMIN_PORT (ADMIN_HOST)')
    write(
      [
        `Listening on ${url} (Redis ${redis.config.mode}${redis.local ? `, the local redis-server on port ${redis.local.port}` : ''})`,
        `  API               ${url}/api/entities, /api/users, /api/login, /api/sessions`,
        `  health            ${url}/health`,
        `Admin on ${adminUrl} (${config.adminToken ? 'ADMIN_TOKEN required' : 'this machine only, no token'})`,
        `  status page       ${adminUrl}/status`,
        `  Redis report      ${adminUrl}/monitoring/redis`,
        `  Prometheus        ${adminUrl}/metrics`,
        `  recount job       POST ${adminUrl}/jobs/recount`,
        ...(config.sessionSecrets
          ? []
          : ['SESSION_SECRET is unset: session ids are keyed for this process only (set it for several).']),
        'Ctrl-C stops it.',
      ].join('\n'),
    )
    onListening?.(url, adminUrl)
    if (!signal.aborted) await once(signal, 'abort')
    write(`Stopping (${String(signal.reason)}).`)
    return SIGNAL_EXIT_CODES[String(signal.reason)] ?? 0
  } finally {
    await api.close()
  }
}

/**
 * Listens on `host:port` and answers the URL a browser on this machine can open; an address in
 * use is `E_ADDRESS_IN_USE`, naming the variables that choose it.
 */
async function listen(
  app: FastifyInstance,
  hostname: string,
  wanted: number,
  variables: string,
): Promise<string> {
  try {
    await app.listen({ port: wanted, host: hostname })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    throw new RedlayerError(
      'E_ADDRESS_IN_USE',
      `${hostname}:${wanted} is in use: set ${variables} to a free address.`,
    )
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : wanted
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`
}
