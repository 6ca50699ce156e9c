import { isRedlayerError, type RedisClient } from '@redlayer/connection'
import { fillMemory, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockFixture, openClient, sample } from './fixtures.js'

// ADR-0013 / ADR-0030: locks fail closed. A full Redis (OOM under noeviction) refuses a new
// acquisition with the typed E_REDIS_FULL (nothing was granted), while a lock already held can
// still be extended and released (PEXPIRE and DEL do not grow memory) and the breaker stays closed.
describe.each(topologiesFromEnv())('locks with a full Redis (OOM under noeviction) on %s', (kind) => {
  const topology = useTopology(kind)
  let redis: RedisClient
  beforeAll(async () => {
    redis = await openClient({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '2000' }) // room when loaded
  })
  afterAll(() => redis.disconnect())

  it('refuses new acquisitions with E_REDIS_FULL; a held lock extends and releases', async () => {
    await using f = lockFixture(redis)
    const held = await f.locks.acquire('held', { ttl: 5_000 })
    await using _full = await fillMemory(topology.processes)
    const refused = await f.locks.acquire('new', { ttl: 5_000, wait: 1_000 }).catch((error: unknown) => error)
    expect(isRedlayerError(refused, 'E_REDIS_FULL')).toBe(true)
    expect((refused as { details: object }).details).toMatchObject({ outcome: 'not-applied' })
    expect(await sample(f.metrics, 'lockAcquisitions', { namespace: 'lock', outcome: 'unavailable' })).toBe(1)
    await expect(held.extend(5_000)).resolves.toMatchObject({ extended: true })
    await expect(held.release()).resolves.toMatchObject({ released: true })
    expect(f.guard.state).toBe('closed')
  })
})
