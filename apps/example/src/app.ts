import { createHash } from 'node:crypto'
import { createCache } from '@redlayer/cache'
import type { RedisClient, RedisMode } from '@redlayer/connection'
import { createLockManager } from '@redlayer/lock'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { createRateLimiter, type LimitDefinition } from '@redlayer/ratelimit'
import { rateLimitPlugin } from '@redlayer/ratelimit/fastify'
import { createRedisGuard, type RedisGuardOptions } from '@redlayer/resilience'
import { createSessionStore } from '@redlayer/session'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Registry } from 'prom-client'
import type { Database } from './db/database.js'
import { EntityRepository } from './db/entity-repository.js'
import { EntityService } from './entities/entity-service.js'
import { errorHandler } from './http/error-handler.js'
import { safeError, safeRequest } from './http/error-log.js'
import { exampleKeyspaceFor } from './keyspace.js'
import { AuditCache } from './monitoring/audit-cache.js'
import { EvictionTracker } from './monitoring/eviction-tracker.js'
import { OperationWindow, recordOperations } from './monitoring/operation-window.js'
import { registerServerMetrics } from './monitoring/server-metrics.js'
import { ALERT_THRESHOLDS } from './monitoring/thresholds.js'
import { entityRoutes } from './routes/entity-routes.js'
import { healthRoutes } from './routes/health-routes.js'
import { jobRoutes } from './routes/job-routes.js'
import { monitoringRoutes } from './routes/monitoring-routes.js'
import { sessionRoutes } from './routes/session-routes.js'
import { statusPageRoutes } from './routes/status-page-routes.js'

export interface AppOptions {
  /** The one connection of the process (`createRedis()`); the app never closes it. */
  redis: RedisClient
  /** How `redis` is deployed, as configured (`config.mode`). */
  mode: RedisMode
  /** `REDIS_KEY_PREFIX`: the application prefix before every namespace (ADR-0011). */
  keyPrefix?: string | undefined
  /** The source of truth, with its schema (`openDatabase` + `migrate`); the app never closes it. */
  db: Database
  /** The API's limits per client (default: 120 requests a minute, bursts of 120). */
  rateLimits?: LimitDefinition | readonly LimitDefinition[]
  /** Processes sharing the limits: the local fallback's share while Redis is down (ADR-0012). */
  instances?: number
  /** Breaker settings (ADR-0013 defaults when omitted). */
  breaker?: Omit<RedisGuardOptions, 'redis' | 'metrics'>
  /** Kinds written per transaction by the recount job (100). */
  recountBatchSize?: number
  /** Test hook: runs between the recount job's batches, while it holds the lock. */
  afterRecountBatch?: () => Promise<void>
  /** Fastify's logger option (off by default). */
  logger?: FastifyServerOptions['logger']
  /** How long a keyspace audit is reused by the report and the metrics (10 s). */
  auditMaxAgeMs?: number
}

const DEFAULT_LIMITS: LimitDefinition = {
  name: 'per-minute',
  capacity: 120,
  refill: { tokens: 120, interval: '1m' },
}

/**
 * The example service: every redlayer package composed over one Redis connection and one breaker.
 * Call `listen()` or `inject()` on the result; `close()` releases what the app created (caches,
 * limiter, locks, sessions, breaker), not the Redis client or the database it was given.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { redis, db, mode } = options
  // Only redlayer's and the Redis servers' metrics: prom-client's default process metrics fail
  // `promtool check metrics` (gauges named `nodejs_active_handles_total`).
  const registry = new Registry()
  const window = new OperationWindow()
  const metrics = createRedlayerMetrics({ registry })
  // ADR-0040: every Redis operation the breaker sees also feeds the report's rolling window.
  const stopRecording = recordOperations(window)
  const guard = createRedisGuard({ redis, ...options.breaker })
  const keyspace = exampleKeyspaceFor(options.keyPrefix)
  const shared = { redis, keyspace, guard }

  const entities = createCache({ ...shared, namespace: 'entity' })
  // `cache:query` serves stale while Redis is down (ADR-0011 table): an in-process tier, kept
  // coherent by the bus, holds recent results, and grace lets it serve them past their TTL.
  const queries = createCache({ ...shared, namespace: 'query', l1: { maxEntries: 1_000 }, grace: '10m' })
  const limiter = createRateLimiter({
    ...shared,
    namespace: 'ratelimit',
    name: 'api',
    limits: options.rateLimits ?? DEFAULT_LIMITS,
    instances: options.instances ?? 1,
  })
  const locks = createLockManager({ ...shared, namespace: 'lock' })
  const sessions = createSessionStore({ ...shared, namespace: 'session', maxEvents: 1_000 })
  const repository = new EntityRepository(db)
  const service = new EntityService({ repository, entities, queries })

  const audits = new AuditCache({ redis, keyspace, guard, maxAgeMs: options.auditMaxAgeMs ?? 10_000 })
  registerServerMetrics({ registry, prefix: metrics.prefix, redis, guard, keyspace, audits })
  const monitoring = {
    redis,
    mode,
    keyspace,
    guard,
    metrics,
    window,
    audits,
    evictions: new EvictionTracker(ALERT_THRESHOLDS.evictionWindowMs),
  }

  const app = Fastify({ logger: withSafeSerializers(options.logger ?? false) })
  app.setErrorHandler(errorHandler())
  // The session store holds nothing of its own when given the guard: nothing to close.
  app.addHook('onClose', async () => {
    await locks.close()
    await Promise.allSettled([entities.close(), queries.close(), limiter[Symbol.asyncDispose]()])
    await guard[Symbol.asyncDispose]()
    stopRecording()
    metrics.close()
  })

  await app.register(healthRoutes({ redis, mode, guard, db }))
  await app.register(monitoringRoutes(registry, monitoring))
  await app.register(statusPageRoutes)
  await app.register(
    async (api) => {
      // ADR-0012: every API route is limited per client: its API key (hashed: a key is a secret and
      // never goes into Redis as such) or its address.
      await api.register(rateLimitPlugin, {
        limiter,
        subject: (request) => {
          const key = request.headers['x-api-key']
          return typeof key === 'string' && key !== ''
            ? `key:${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`
            : `ip:${request.ip}`
        },
      })
      await api.register(entityRoutes(service, db))
      await api.register(sessionRoutes(sessions))
      await api.register(
        jobRoutes({
          locks,
          db,
          repository,
          batchSize: options.recountBatchSize ?? 100,
          afterBatch: options.afterRecountBatch,
        }),
      )
    },
    { prefix: '/api' },
  )
  return app
}

/** Issue 17: whatever the logger, an error is logged without its command's arguments and a request by its route. */
function withSafeSerializers(logger: NonNullable<AppOptions['logger']>): AppOptions['logger'] {
  if (logger === false) return false
  const serializers = { err: safeError, req: safeRequest }
  return logger === true
    ? { serializers }
    : { ...logger, serializers: { ...logger.serializers, ...serializers } }
}
