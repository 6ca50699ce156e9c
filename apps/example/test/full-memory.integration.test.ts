import { Writable } from 'node:stream'
import { fillMemory } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HealthReport } from '../src/routes/health-routes.js'
import { type AppFixture, signIn, startAppFixture } from './app-fixture.js'

// ADR-0013 end to end: Redis at its maxmemory under `noeviction` (the compose default) refuses
// every write with OOM. Entity reads only need the database, so they stay 2xx; the limiter follows
// its namespace; sessions and the recount's lock fail closed with a typed 503 that says nothing
// was changed; /health is degraded with the reason; and no line is logged per request.

const logLines: string[] = []
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split('\n').filter(Boolean))
    done()
  },
})

let fixture: AppFixture
beforeAll(async () => {
  // Room in the command timeout: the breaker must stay closed because OOM does not count, not
  // open because a loaded machine answered one call late (the hang rule).
  fixture = await startAppFixture({ logger: { level: 'info', stream: logStream }, commandTimeoutMs: 2_000 })
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

let ops: { authorization: string }
/** `/api/*` as the signed-in user `ops` on the API listener; the rest on the admin listener. */
const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
  url.startsWith('/api/')
    ? fixture.app.inject({ method, url, headers: ops, ...(payload ? { payload } : {}) })
    : fixture.admin.inject({ method, url })

describe('with a full Redis (OOM under noeviction)', () => {
  it('serves entity reads from the database, refuses session writes with a typed 503, reports degraded', async () => {
    ops = await signIn(fixture.app, 'ops')
    const session = (await call('POST', '/api/sessions', {})).json<{ id: string }>()
    expect((await call('GET', '/api/entities/2')).statusCode).toBe(200)
    const full = await fillMemory([fixture.server])
    let eventId: string
    try {
      const logsBefore = logLines.filter((line) => /"level":(40|50)/.test(line)).length
      const reads = []
      for (let round = 0; round < 5; round++) {
        for (let id = 1; id <= 10; id++) reads.push(await call('GET', `/api/entities/${id}`))
      }
      expect(reads.map((read) => read.statusCode)).toEqual(Array(50).fill(200))

      const refused = await call('POST', `/api/sessions/${session.id}/events`, { type: 'user', data: 1 })
      expect(refused.statusCode).toBe(503)
      expect(refused.json()).toMatchObject({
        code: 'E_REDIS_FULL',
        outcome: 'not-applied',
        message: expect.stringContaining('nothing was changed'),
      })
      eventId = String(refused.headers['redlayer-event-id'])
      expect(eventId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect((await call('POST', '/api/sessions', {})).statusCode).toBe(503)
      expect((await call('POST', '/jobs/recount')).statusCode).toBe(503)

      const health = await call('GET', '/health')
      expect(health.statusCode).toBe(200)
      expect(health.json<HealthReport>()).toMatchObject({
        status: 'degraded',
        redis: { ok: false, breaker: 'closed', condition: 'oom', error: 'Redis refuses writes (oom)' },
      })
      expect((await call('GET', '/metrics')).body).toMatch(
        /^redlayer_redis_errors_total\{[^}]*kind="oom"[^}]*\} \d+$/m,
      )
      // Typed refusals are answers, not incidents: no warning or error line per request.
      const logsAfter = logLines.filter((line) => /"level":(40|50)/.test(line)).length
      expect(logsAfter - logsBefore).toBe(0)
    } finally {
      await full[Symbol.asyncDispose]()
    }
    // Memory freed: the retry with the id the 503 returned appends the event, and only once.
    const retried = await call('POST', `/api/sessions/${session.id}/events`, {
      id: eventId,
      type: 'user',
      data: 1,
    })
    expect(retried.statusCode).toBe(201)
    expect(retried.json()).toMatchObject({ eventId, status: 'appended' })
    const again = await call('POST', `/api/sessions/${session.id}/events`, {
      id: eventId,
      type: 'user',
      data: 1,
    })
    expect(again.json()).toMatchObject({ eventId, status: 'duplicate' })
  })
})
