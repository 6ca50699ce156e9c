import { isRedlayerError } from '@redlayer/connection'
import { fillMemory, topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { sessionFixture } from './fixtures.js'

// ADR-0013 / ADR-0033: sessions fail closed. A full Redis (OOM under noeviction) refuses what
// would grow memory with the typed E_REDIS_FULL ("nothing was changed"), keeps serving reads and
// deletes, leaves the breaker closed, and a retry after memory is freed appends exactly once.
describe.each(topologiesFromEnv())('session store with a full Redis (OOM under noeviction) on %s', (kind) => {
  const topology = useTopology(kind)

  it('refuses creates and appends with E_REDIS_FULL, still reads and deletes, and retries exactly once', async () => {
    await using f = await sessionFixture(topology, {}, 2_000) // room on a loaded machine
    const { id } = await f.store.create({ appName: 'chat', userId: 'u' })
    const { id: doomed } = await f.store.create({ appName: 'chat', userId: 'u' })
    await f.store.appendEvent(id, { id: 'before', type: 't' })
    const full = await fillMemory(topology.processes)
    let refused: unknown[]
    try {
      refused = await Promise.all([
        f.store.create({ appName: 'chat', userId: 'u' }).catch((error: unknown) => error),
        ...[1, 2, 3].map((n) =>
          f.store.appendEvent(id, { id: `during-${n}`, type: 't' }).catch((error: unknown) => error),
        ),
      ])
      for (const error of refused) {
        expect(isRedlayerError(error, 'E_REDIS_FULL')).toBe(true)
        expect((error as { details: object }).details).toMatchObject({
          condition: 'oom',
          outcome: 'not-applied',
        })
      }
      const read = await f.store.get(id, { events: 'all' })
      expect(read?.events.map((event) => event.id)).toEqual(['before'])
      expect(await f.store.delete(doomed)).toBe(true)
      expect(f.guard.state).toBe('closed')
    } finally {
      await full[Symbol.asyncDispose]()
    }
    for (const n of [1, 2, 3]) {
      expect((await f.store.appendEvent(id, { id: `during-${n}`, type: 't' })).status).toBe('appended')
    }
    const after = await f.store.get(id, { events: 'all' })
    expect(after?.events.map((event) => event.id)).toEqual(['before', 'during-1', 'during-2', 'during-3'])
  })
})
