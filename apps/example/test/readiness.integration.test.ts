import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { HealthReport } from '../src/routes/health-routes.js'
import { startAppFixture } from './app-fixture.js'

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

// ADR-0040 / ADR-0010: /health/ready fails only for a client that will never come back by itself;
// a client that ended on its own is revived, and the report says why it cannot serve meanwhile.
describe('readiness and the Redis client', () => {
  it('a client that ended on its own is reported with the reason, stays ready, and comes back', async () => {
    await using fixture = await startAppFixture()
    const client = fixture.client as Redis
    client.on('error', () => {}) // the kill below is reported as connection errors
    const get = async (url: string) => fixture.app.inject({ method: 'GET', url })
    const strategy = client.options.retryStrategy
    client.options.retryStrategy = () => null // the next close ends the client, on purpose
    await fixture.server.kill()
    await until('the client to end', async () => client.status === 'end')
    client.options.retryStrategy = strategy
    const ready = await get('/health/ready')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({
      ready: true,
      status: 'degraded',
      reason: expect.stringContaining('supervisor'),
    })
    expect((await get('/health')).json<HealthReport>().redis.client).toEqual({
      ready: false,
      recovering: true,
      status: 'end',
    })
    await fixture.server.restart()
    await until(
      'the app to be ok again',
      async () => (await get('/health')).json<HealthReport>().status === 'ok',
    )
    expect((await get('/api/entities/1')).statusCode).toBe(200)
  })

  it('a client closed for good makes the instance unready, with the reason', async () => {
    await using fixture = await startAppFixture()
    await fixture.client.quit()
    await until('the client to end', async () => fixture.client.status === 'end')
    const ready = await fixture.app.inject({ method: 'GET', url: '/health/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toEqual({ ready: false, status: 'degraded', reason: 'the client was closed' })
  })
})
