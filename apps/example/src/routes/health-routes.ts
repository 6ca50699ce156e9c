import { checkRedisHealth, clientReadiness, type RedisClient, type RedisMode } from '@redlayer/connection'
import type { BreakerState, RedisGuard } from '@redlayer/resilience'
import type { FastifyInstance } from 'fastify'
import type { Database } from '../db/database.js'

export interface HealthReport {
  /** `ok`; `degraded` while Redis is unavailable (the app serves per ADR-0013); `down` without the database. */
  readonly status: 'ok' | 'degraded' | 'down'
  /** The process answers. */
  readonly live: true
  /**
   * It can serve requests: the database (the source of truth) answers, and the Redis client can
   * serve or is coming back by itself (ADR-0040: a Redis outage degrades, it does not unready).
   */
  readonly ready: boolean
  readonly redis: {
    readonly mode: RedisMode
    readonly ok: boolean
    /** host:port of the server the client talks to (the primary on Sentinel, the masters on Cluster); null while it cannot. */
    readonly address: string | null
    readonly role: string | null
    readonly latencyMs: number | null
    readonly breaker: BreakerState
    /** The client can send commands now; when not, `error` says why. */
    readonly client: { readonly ready: boolean; readonly recovering: boolean; readonly status: string }
    /** The refusal that makes Redis degraded while it answers (`oom`, `misconf`, `noreplicas`...). */
    readonly condition?: string
    readonly error?: string
  }
  readonly database: { readonly kind: Database['kind']; readonly ok: boolean; readonly error?: string }
  readonly checkedAt: string
}

export interface HealthSources {
  redis: RedisClient
  mode: RedisMode
  guard: RedisGuard
  db: Database
}

async function redisPart(sources: HealthSources): Promise<HealthReport['redis']> {
  const { mode, guard } = sources
  const readiness = clientReadiness(sources.redis)
  const client = { ready: readiness.ready, recovering: readiness.recovering, status: readiness.status }
  // While the breaker is not closed, or the client cannot send, the answer is known without
  // waiting on the socket.
  if (guard.state !== 'closed' || !readiness.ready) {
    return {
      mode,
      ok: false,
      address: null,
      role: null,
      latencyMs: null,
      breaker: guard.state,
      client,
      error: readiness.reason ?? `circuit breaker ${guard.state}`,
    }
  }
  const health = await checkRedisHealth(sources.redis)
  // ADR-0013: a server that answers but refuses writes (OOM, MISCONF, NOREPLICAS) leaves the
  // breaker closed; the guard's last refusal is what makes the app degraded, with the reason.
  const refusal = guard.refusal
  const error = health.error ?? (refusal === undefined ? undefined : `Redis refuses writes (${refusal.kind})`)
  return {
    mode,
    ok: health.ok && refusal === undefined,
    address: health.address,
    role: health.role,
    latencyMs: health.latencyMs,
    breaker: guard.state,
    client,
    ...(refusal === undefined ? {} : { condition: refusal.kind }),
    ...(error === undefined ? {} : { error }),
  }
}

async function databasePart(db: Database): Promise<HealthReport['database']> {
  try {
    await db.query('SELECT 1')
    return { kind: db.kind, ok: true }
  } catch (error) {
    return { kind: db.kind, ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const [redis, database] = await Promise.all([redisPart(sources), databasePart(sources.db)])
  return {
    status: !database.ok ? 'down' : redis.ok ? 'ok' : 'degraded',
    live: true,
    // A client that will never come back (closed, or ended unsupervised) makes the instance
    // unready, so that an orchestrator replaces it; an outage every instance shares does not.
    ready: database.ok && redis.client.recovering,
    redis,
    database,
    checkedAt: new Date().toISOString(),
  }
}

// ADR-0040: degraded is 200 (the app serves per ADR-0013); only a database that does not answer is 503.
/**
 * `/health`: the whole report, 200 while the app can serve (ok or degraded), 503 when not ready.
 * `/health/live` (200 while the process answers) and `/health/ready` for orchestrators.
 */
export function healthRoutes(sources: HealthSources, { maxAgeMs = 1_000 }: { maxAgeMs?: number } = {}) {
  // Issue 17: anonymous callers share one check per `maxAgeMs` (and one check in flight), so
  // that polling /health cannot drive PING and INFO at the rate of its requests.
  let last: { at: number; report: Promise<HealthReport> } | undefined
  const cached = () => {
    const now = performance.now()
    if (last === undefined || now - last.at >= maxAgeMs) last = { at: now, report: checkHealth(sources) }
    return last.report
  }
  return async (app: FastifyInstance) => {
    app.get('/health', async (_request, reply) => {
      const report = await cached()
      return reply.code(report.ready ? 200 : 503).send(report)
    })
    app.get('/health/live', async () => ({ live: true }))
    app.get('/health/ready', async (_request, reply) => {
      const report = await cached()
      return reply.code(report.ready ? 200 : 503).send({
        ready: report.ready,
        status: report.status,
        ...(report.redis.error === undefined ? {} : { reason: report.redis.error }),
      })
    })
  }
}
