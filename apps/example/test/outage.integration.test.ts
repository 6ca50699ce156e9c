import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Entity } from '../src/db/entity-repository.js'
import type { MonitoringReport } from '../src/monitoring/monitoring-report.js'
import type { HealthReport } from '../src/routes/health-routes.js'
import { type AppFixture, signIn, startAppFixture } from './app-fixture.js'

// ADR-0013 end to end: Redis stopped (SIGSTOP) under traffic, then resumed, without restarting
// the app. What it serves meanwhile is what the keyspace declares for each namespace.

let fixture: AppFixture
beforeAll(async () => {
  fixture = await startAppFixture({
    breaker: { volumeThreshold: 5 },
    rateLimits: { name: 'per-minute', capacity: 20, refill: { tokens: 20, interval: '1m' } },
  })
})
afterAll(async () => {
  if (fixture?.server.paused) fixture.server.resume()
  await fixture?.[Symbol.asyncDispose]()
})

type Method = 'GET' | 'POST' | 'PATCH'
let ops: { authorization: string }
/**
 * A request of the signed-in user `ops`. While Redis is down its token cannot be checked, so the
 * request is limited by its address (ADR-0041): other traffic below comes from addresses of its own.
 */
const call = (method: Method, url: string, payload?: unknown) =>
  fixture.app.inject({
    method,
    url,
    headers: ops,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
/** An anonymous GET from `from`: limited by that address. */
const anonymous = (url: string, from: string) =>
  fixture.app.inject({ method: 'GET', url, remoteAddress: from })
const admin = (method: 'GET' | 'POST', url: string) => fixture.admin.inject({ method, url })
const health = async () => (await admin('GET', '/health')).json<HealthReport>()

/** Bounded polling: traffic keeps flowing while the breaker decides. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Promise.all([1, 2, 3].map((id) => anonymous(`/api/entities/${id}`, `10.0.0.${id}`)))
    await sleep(50)
  }
}

describe('with Redis stopped and resumed under traffic', () => {
  it('serves what ADR-0013 says while it is down, and recovers without a restart', async () => {
    ops = await signIn(fixture.app, 'ops')
    // Warm: an entity and a search cached, a session with one event.
    expect((await call('GET', '/api/entities/3')).headers['x-source']).toBe('database')
    expect((await call('GET', '/api/entities/3')).headers['x-source']).toBe('cache')
    const search = await call('GET', '/api/entities?kind=album')
    expect(search.statusCode).toBe(200)
    const session = (await call('POST', '/api/sessions', {})).json<{ id: string }>()
    expect(
      (await call('POST', `/api/sessions/${session.id}/events`, { type: 'user', data: 1 })).statusCode,
    ).toBe(201)

    fixture.server.pause()
    try {
      await until('the breaker to open', async () => (await health()).redis.breaker === 'open')

      // /health: degraded, not down: the app still serves.
      const degraded = await call('GET', '/health')
      expect(degraded.headers.ratelimit).toBeUndefined()
      expect(degraded.statusCode).toBe(200)
      expect(degraded.json<HealthReport>()).toMatchObject({
        status: 'degraded',
        ready: true,
        redis: { ok: false, breaker: 'open' },
      })

      // entity (bypass): read from the database.
      const entity = await call('GET', '/api/entities/3')
      expect(entity.statusCode).toBe(200)
      expect(entity.headers['x-source']).toBe('database')
      expect(entity.json<Entity>().id).toBe(3)
      // cache:query (serve-stale): the earlier result, from the in-process tier.
      const stale = await call('GET', '/api/entities?kind=album')
      expect(stale.statusCode).toBe(200)
      expect(stale.json()).toEqual(search.json())

      // session (fail-closed): 503 with a clear JSON body; nothing is dropped silently. The login
      // token cannot be checked either: a route that needs the user answers the same 503.
      for (const [method, url, body] of [
        ['POST', '/api/sessions', {}],
        ['GET', `/api/sessions/${session.id}`, undefined],
        ['POST', `/api/sessions/${session.id}/events`, { type: 'user', data: 2 }],
        ['GET', '/api/sessions', undefined],
        ['GET', '/api/me', undefined],
      ] as const) {
        const refused = await call(method, url, body)
        expect(refused.statusCode, url).toBe(503)
        expect(refused.headers['retry-after']).toBe('1')
        expect(refused.json()).toMatchObject({
          statusCode: 503,
          error: 'Service Unavailable',
          code: 'E_REDIS_UNAVAILABLE',
          message: expect.stringContaining('Redis is unavailable'),
        })
      }
      // lock (fail-closed): the job does not run without its lock.
      expect((await admin('POST', '/jobs/recount')).statusCode).toBe(503)

      // ratelimit (local-fallback): still limited, by an in-process bucket, with its headers.
      const local = []
      for (let i = 0; i < 21; i++) local.push(await anonymous('/api/entities/1', '10.1.1.1'))
      expect(local.slice(0, 20).every((r) => r.statusCode === 200)).toBe(true)
      expect(local[20]?.statusCode).toBe(429)
      expect(local[0]?.headers['ratelimit-policy']).toBe('"per-minute";q=20;w=60')

      // A write goes to the database; its invalidation is kept for when Redis is back.
      const renamed = await call('PATCH', '/api/entities/3', { name: 'Renamed during the outage' })
      expect(renamed.statusCode).toBe(200)

      const report = (await admin('GET', '/monitoring/redis')).json<MonitoringReport>()
      expect(report.redis).toMatchObject({ available: false, breaker: 'open' })
      expect(report.server).toBeNull()
      expect(report.alerts.map((a) => a.name)).toContain('RedisBreakerOpen')
      expect(report.operations.errorRate).toBeGreaterThan(0.05)
      expect(report.alerts.map((a) => a.name)).toContain('RedisErrorRateHigh')
      const metrics = (await admin('GET', '/metrics')).body
      expect(metrics).toMatch(/^redlayer_redis_up 0$/m)
      expect(metrics).toMatch(/^redlayer_breaker_state\{breaker="redis"\} 2$/m)
    } finally {
      fixture.server.resume()
    }

    await until('the breaker to close', async () => (await health()).status === 'ok')
    expect((await health()).redis).toMatchObject({ ok: true, breaker: 'closed', role: 'master' })
    // No stale value survived: the invalidation kept during the outage was replayed.
    await until('the renamed entity', async () => {
      return (
        (await anonymous('/api/entities/3', '10.2.0.1')).json<Entity>().name === 'Renamed during the outage'
      )
    })
    const appended = await call('POST', `/api/sessions/${session.id}/events`, { type: 'user', data: 3 })
    expect(appended.statusCode).toBe(201)
    expect(appended.json()).toMatchObject({ version: 2 })
    expect((await admin('POST', '/jobs/recount')).statusCode).toBe(200)
    // Back in Redis: a new address starts with a full bucket there.
    const ratelimited = await fixture.app.inject({
      method: 'GET',
      url: '/api/entities/1',
      remoteAddress: '10.1.1.2',
    })
    expect(ratelimited.headers.ratelimit).toMatch(/^"per-minute";r=19/)
  })
})
