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
import { adminAccess } from './auth/admin-access.js'
import { authenticate } from './auth/authenticate.js'
import { Logins } from './auth/logins.js'
import { Users } from './auth/users.js'
import type { Database } from './db/database.js'
import { EntityRepository } from './db/entity-repository.js'
import { EntityService } from './entities/entity-service.js'
import { errorHandler } from './http/error-handler.js'
import { safeError, safeRequest } from './http/error-log.js'
import { boundedJsonBodies, MAX_BODY_BYTES } from './http/request-input.js'
import { exampleKeyspaceFor } from './keyspace.js'
import { AuditCache } from './monitoring/audit-cache.js'
import { EvictionTracker } from './monitoring/eviction-tracker.js'
import { OperationWindow, recordOperations } from './monitoring/operation-window.js'
import { registerServerMetrics } from './monitoring/server-metrics.js'
import { ALERT_THRESHOLDS } from './monitoring/thresholds.js'
import { authRoutes } from './routes/auth-routes.js'
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
  /** How far back the report's operation window reaches (5 min, the Prometheus rules' range). */
  operationWindowMs?: number
  /** `ADMIN_TOKEN`: what the admin listener asks of every request; open without one (ADR-0041). */
  adminToken?: string | undefined
  /**
   * `SESSION_SECRET`: keys the owner hash in session ids and login tokens (ADR-0033); a list
   * rotates, the first names new ones. Without it the hash is unkeyed, and ids reveal their owner
   * to whoever can guess the user id.
   */
  sessionSecret?: string | readonly string[] | undefined
}

/** The two listeners of the app (ADR-0041): the public API, and the operators' surfaces. */
export interface ExampleApp {
  /** `/api/*` and `/health`. Closing it closes `admin` and everything the app created. */
  readonly api: FastifyInstance
  /** `/status`, `/monitoring/redis`, `/metrics`, `/health`, `POST /jobs/recount`: behind the admin token. */
  readonly admin: FastifyInstance
}

const DEFAULT_LIMITS: LimitDefinition = {
  name: 'per-minute',
  capacity: 120,
  refill: { tokens: 120, interval: '1m' },
}

/**
 * The example service: every redlayer package composed over one Redis connection and one breaker,
 * served on two Fastify instances (the API, and the admin surfaces). Call `listen()` or `inject()`
 * on each; `api.close()` closes both and releases what the app created (caches, limiter, locks,
 * sessions, breaker), not the Redis client or the database it was given.
 */
export async function buildApp(options: AppOptions): Promise<ExampleApp> {
  const { redis, db, mode } = options
  // Only redlayer's and the Redis servers' metrics: prom-client's default process metrics fail
  // `promtool check metrics` (gauges named `nodejs_active_handles_total`).
  const registry = new Registry()
  const window = new OperationWindow(undefined, options.operationWindowMs)
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
  const ownerSecret = options.sessionSecret === undefined ? {} : { ownerSecret: options.sessionSecret }
  const sessions = createSessionStore({ ...shared, ...ownerSecret, namespace: 'session', maxEvents: 1_000 })
  // ADR-0041: a login token lives its lifetime (idle = absolute: reading one is one call, no touch).
  const logins = new Logins(
    createSessionStore({ ...shared, ...ownerSecret, namespace: 'login', idleTtl: '1h', absoluteTtl: '1h' }),
  )
  const users = new Users(db)
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

  // One error-log budget for both listeners: an outage logs a few lines, not a few per listener.
  const onError = errorHandler()
  const api = server(options.logger, onError)
  const admin = server(options.logger, onError)
  // The session stores hold nothing of their own when given the guard: nothing to close.
  api.addHook('onClose', async () => {
    await admin.close()
    await locks.close()
    await Promise.allSettled([entities.close(), queries.close(), limiter[Symbol.asyncDispose]()])
    await guard[Symbol.asyncDispose]()
    stopRecording()
    metrics.close()
  })

  const health = healthRoutes({ redis, mode, guard, db })
  await api.register(health)
  await api.register(
    async (scope) => {
      // ADR-0041: the caller is known before the limit is taken, so the limit is per user; an
      // anonymous request has no subject and counts against its address (ADR-0012: IPv6 by /64).
      authenticate(scope, logins)
      await scope.register(rateLimitPlugin, {
        limiter,
        subject: (request) => (request.identity ? `user:${request.identity.userId}` : undefined),
      })
      await scope.register(authRoutes(users, logins))
      await scope.register(entityRoutes(service, db))
      await scope.register(sessionRoutes(sessions))
    },
    { prefix: '/api' },
  )

  adminAccess(admin, options.adminToken)
  await admin.register(health)
  await admin.register(monitoringRoutes(registry, monitoring))
  await admin.register(statusPageRoutes)
  await admin.register(
    jobRoutes({
      locks,
      db,
      repository,
      batchSize: options.recountBatchSize ?? 100,
      afterBatch: options.afterRecountBatch,
    }),
  )
  return { api, admin }
}

/** One listener: the app's error handler, safe log serializers, bounded JSON bodies. */
function server(logger: AppOptions['logger'], onError: ReturnType<typeof errorHandler>): FastifyInstance {
  const app = Fastify({ logger: withSafeSerializers(logger ?? false), bodyLimit: MAX_BODY_BYTES })
  app.setErrorHandler(onError)
  boundedJsonBodies(app)
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
