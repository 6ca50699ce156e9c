import { isRedlayerError } from '@redlayer/connection'
import { startTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { sessionFixture } from './fixtures.js'

// ADR-0013: sessions fail closed. A stopped Redis is a typed error within the command timeout,
// never a hang, never an event dropped silently, never a half-written session.
describe('session store while Redis is stopped', () => {
  it('fails with E_REDIS_UNAVAILABLE mid-stream, leaves no half-written session, and retries safely', async () => {
    await using topology = await startTopology('standalone')
    await using f = await sessionFixture(topology)
    const { id } = await f.store.create({ appName: 'chat', userId: 'u' })
    for (let i = 0; i < 5; i++) await f.store.appendEvent(id, { id: `before-${i}`, type: 't' })

    topology.server.pause()
    const outcomes: { id: string; error?: unknown; status?: string }[] = []
    const started = performance.now()
    for (let i = 0; i < 30; i++) {
      const eventId = `during-${i}`
      try {
        const result = await f.store.appendEvent(id, { id: eventId, type: 't' })
        outcomes.push({ id: eventId, status: result.status })
      } catch (error) {
        outcomes.push({ id: eventId, error })
      }
    }
    const elapsed = performance.now() - started
    topology.server.resume()

    // Every call failed with the typed error; none hung (30 calls, generous bound).
    expect(outcomes.every((o) => isRedlayerError(o.error, 'E_REDIS_UNAVAILABLE'))).toBe(true)
    expect(elapsed).toBeLessThan(30 * 1000)
    expect(f.guard.state).toBe('open')

    // Back: the breaker closes by itself, and retrying every failed event with its id appends
    // each exactly once, whether or not the server ran it after it resumed.
    await expect.poll(() => f.guard.state, { timeout: 10_000, interval: 50 }).toBe('closed')
    for (const outcome of outcomes) {
      const retry = await f.store.appendEvent(id, { id: outcome.id, type: 't' })
      expect(['appended', 'duplicate']).toContain(retry.status)
    }
    const session = await f.store.get(id, { events: 'all' })
    const ids = session?.events.map((e) => e.id) ?? []
    const before = Array.from({ length: 5 }, (_, i) => `before-${i}`)
    expect(ids.slice(0, 5)).toEqual(before)
    expect(new Set(ids)).toEqual(new Set([...before, ...outcomes.map((o) => o.id)]))
    expect(ids).toHaveLength(35)
    expect(session?.version).toBe(35)
    expect(session?.events.map((e) => e.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1))
  })
})
