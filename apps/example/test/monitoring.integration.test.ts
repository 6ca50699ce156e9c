import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleKeyspace } from '../src/keyspace.js'
import type { MonitoringReport } from '../src/monitoring/monitoring-report.js'
import type { HealthReport } from '../src/routes/health-routes.js'
import { type AppFixture, signIn, startAppFixture } from './app-fixture.js'
import { alertExpressions, dashboardExpressions, metricNames } from './deploy-files.js'
import { promtool } from './promtool.js'

// /health, /metrics (through promtool) and /monitoring/redis over a real redis-server, on the
// admin listener (ADR-0041).

let fixture: AppFixture
beforeAll(async () => {
  fixture = await startAppFixture({ auditMaxAgeMs: 0 })
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

// `/api/*` on the API listener; the rest (`/health` is on both) on the admin listener (ADR-0041).
const get = (url: string) =>
  (url.startsWith('/api/') ? fixture.app : fixture.admin).inject({ method: 'GET', url })

async function traffic() {
  for (let id = 1; id <= 5; id++) {
    await get(`/api/entities/${id}`)
    await get(`/api/entities/${id}`)
  }
  await get('/api/entities?kind=book')
  const headers = await signIn(fixture.app, 'monitored')
  await fixture.app.inject({ method: 'POST', url: '/api/sessions', headers, payload: {} })
  await fixture.admin.inject({ method: 'POST', url: '/jobs/recount' })
}

describe('/health', () => {
  it('reports liveness, readiness, the Redis mode, role and breaker state', async () => {
    const response = await get('/health')
    expect(response.statusCode).toBe(200)
    expect(response.json<HealthReport>()).toMatchObject({
      status: 'ok',
      live: true,
      ready: true,
      redis: {
        mode: 'standalone',
        ok: true,
        address: `127.0.0.1:${fixture.server.port}`,
        role: 'master',
        breaker: 'closed',
        latencyMs: expect.any(Number),
      },
      database: { kind: 'pglite', ok: true },
    })
    expect((await get('/health/live')).json()).toEqual({ live: true })
    expect((await get('/health/ready')).json()).toEqual({ ready: true, status: 'ok' })
  })
})

describe('/metrics', () => {
  it('serves Prometheus text that promtool accepts, with the redlayer, server and keyspace metrics', async () => {
    await traffic()
    const response = await get('/metrics')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const { status, output } = promtool(['check', 'metrics'], response.body)
    expect(output).toBe('')
    expect(status).toBe(0)
    const text = response.body
    expect(text).toMatch(/^redlayer_breaker_state\{breaker="redis"\} 0$/m)
    expect(text).toMatch(/^redlayer_cache_hits_total\{namespace="entity",tier="redis"\} 5$/m)
    expect(text).toMatch(/^redlayer_cache_misses_total\{namespace="entity"\} 5$/m)
    expect(text).toMatch(
      /^redlayer_redis_operation_duration_seconds_count\{operation="cache\.get",outcome="ok"\} \d+$/m,
    )
    expect(text).toMatch(/^redlayer_lock_acquisitions_total\{namespace="lock",outcome="acquired"\} 1$/m)
    expect(text).toMatch(/^redlayer_sessions_created_total\{namespace="session"\} 1$/m)
    expect(text).toMatch(/^redlayer_redis_up 1$/m)
    expect(text).toMatch(/^redlayer_redis_memory_used_bytes [1-9]\d*$/m)
    expect(text).toMatch(/^redlayer_redis_connected_clients [1-9]\d*$/m)
    expect(text).toMatch(/^redlayer_keyspace_keys\{namespace="entity"\} [1-9]\d*$/m)
    expect(text).toMatch(/^redlayer_keyspace_memory_budget_bytes\{namespace="entity"\} 104857600$/m)
    // No key, id or key prefix leaks into a label.
    expect(text).not.toContain(fixture.keyPrefix)
  })

  it('exports every metric the alert rules and the Grafana dashboard query', async () => {
    const text = (await get('/metrics')).body
    const exported = new Set([...text.matchAll(/^# TYPE (\w+) (\w+)$/gm)].map((m) => m[1]))
    const base = (name: string) => name.replace(/_(bucket|count|sum)$/, '')
    const queried = [...alertExpressions().values(), ...dashboardExpressions()].flatMap(metricNames)
    expect(queried.length).toBeGreaterThan(30)
    expect([...new Set(queried)].filter((name) => !exported.has(name) && !exported.has(base(name)))).toEqual(
      [],
    )
  })
})

describe('/health under polling', () => {
  it('answers 50 anonymous requests from at most a few checks: one PING and INFO per second', async () => {
    const infoCalls = async () => {
      const stats = String(await fixture.client.info('commandstats'))
      return Number(/cmdstat_info:calls=(\d+)/.exec(stats)?.[1] ?? 0)
    }
    const before = await infoCalls()
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 50 }, () => get('/health')))
    const seconds = (performance.now() - started) / 1000
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true)
    // Our own INFO above counts once; the checks, once per second the burst lasted.
    expect((await infoCalls()) - before).toBeLessThanOrEqual(Math.ceil(seconds) + 2)
  })
})

describe('/status', () => {
  it('serves the page, its stylesheet and scripts, and sends / to it', async () => {
    const page = await get('/status')
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('<script type="module" src="/status.js"></script>')
    expect((await get('/status.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    const script = await get('/status.js')
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(script.body).toContain("fetch(url, { cache: 'no-store' })")
    expect(script.body).toContain("import { formatMemory } from './memory-size.js'")
    const formatter = await get('/memory-size.js')
    expect(formatter.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(formatter.body).toContain('export function formatMemory(bytes)')
    const root = await get('/')
    expect(root.statusCode).toBe(302)
    expect(root.headers.location).toBe('/status')
  })

  it('sends a content security policy that allows only its own files, and is never framed or sniffed', async () => {
    for (const path of ['/status', '/status.js', '/status.css']) {
      const { headers } = await get(path)
      expect(headers['content-security-policy']).toMatch(
        /^default-src 'none'; script-src 'self';.*frame-ancestors 'none'$/,
      )
      expect([headers['x-content-type-options'], headers['x-frame-options']]).toEqual(['nosniff', 'DENY'])
    }
  })
})

describe('/monitoring/redis', () => {
  it('reports the rolling window, slow operations, server figures, hit ratio and the keyspace audit', async () => {
    await traffic()
    const response = await get('/monitoring/redis')
    expect(response.statusCode).toBe(200)
    const report = response.json<MonitoringReport>()
    expect(report.redis).toEqual({ mode: 'standalone', available: true, breaker: 'closed' })
    expect([report.operations.capacity, report.operations.windowMs]).toEqual([10_000, 300_000])
    expect(report.operations.operations).toBeGreaterThan(10)
    const latency = report.operations.latencyMs
    expect(latency?.p50).toBeGreaterThan(0)
    expect(latency?.p50).toBeLessThanOrEqual(latency?.p95 ?? 0)
    expect(latency?.p95).toBeLessThanOrEqual(latency?.p99 ?? 0)
    expect(latency?.p99).toBeLessThanOrEqual(latency?.max ?? 0)
    expect(report.operations.errorRate).toBe(0)
    expect(report.operations.slow.thresholdMs).toBe(10)
    expect(report.server).toMatchObject({ masters: 1, connectedClients: expect.any(Number), evictedKeys: 0 })
    expect(report.server?.usedMemoryBytes).toBeGreaterThan(0)
    expect(report.cache.hitRatio).toBeGreaterThan(0)
    expect(report.keyspace.namespaces.map((ns) => ns.namespace)).toEqual(
      exampleKeyspace.namespaces.map((ns) => ns.name),
    )
    const entity = report.keyspace.namespaces.find((ns) => ns.namespace === 'entity')
    expect(entity).toMatchObject({
      budgetBytes: 100 * 1024 ** 2,
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    })
    expect(entity?.keys).toBeGreaterThanOrEqual(5)
    expect(entity?.memoryBytes).toBeGreaterThan(0)
    expect(entity?.hitRatio).toBeGreaterThan(0)
    expect(report.keyspace.namespaces.find((ns) => ns.namespace === 'session')?.keys).toBeGreaterThan(0)
    expect(report.keyspace.unclassifiedKeys).toBe(0)
    // A fresh audit (auditMaxAgeMs 0 here), with its age.
    expect(report.keyspace).toMatchObject({ stale: false, ageMs: expect.any(Number), complete: true })
    expect(report.keyspace.ageMs).toBeLessThan(60_000)
    expect(report.thresholds).toMatchObject({ memoryWarning: 0.8, memoryCritical: 0.9, errorRate: 0.05 })
    // Latency is not asserted (the machine is shared): a slow-operation warning may hold.
    expect(report.alerts.filter((a) => a.name !== 'RedisSlowOperations')).toEqual([])
  })

  it('raises the memory alerts at 80 and 90 percent of maxmemory', async () => {
    const used = (await get('/monitoring/redis')).json<MonitoringReport>().server?.usedMemoryBytes ?? 0
    const admin = fixture.client
    try {
      await admin.config('SET', 'maxmemory', String(Math.ceil(used / 0.85)))
      let alerts = (await get('/monitoring/redis')).json<MonitoringReport>().alerts
      expect(alerts.map((a) => [a.name, a.severity])).toContainEqual(['RedisMemoryHigh', 'warning'])
      await admin.config('SET', 'maxmemory', String(Math.ceil(used / 0.95)))
      alerts = (await get('/monitoring/redis')).json<MonitoringReport>().alerts
      expect(alerts.map((a) => [a.name, a.severity])).toContainEqual(['RedisMemoryCritical', 'critical'])
      expect(alerts.find((a) => a.name === 'RedisMemoryCritical')?.message).toMatch(
        /Redis memory at 9\d\.\d % of maxmemory/,
      )
    } finally {
      await admin.config('SET', 'maxmemory', '0')
    }
  })
})
