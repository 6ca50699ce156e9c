import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { createLockManager } from '@redlayer/lock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RECOUNT_JOB, readCounts, writeCountBatch } from '../src/db/fenced-counts.js'
import type { RecountResult } from '../src/jobs/recount-job.js'
import { exampleKeyspaceFor } from '../src/keyspace.js'
import type { AppFixture, StartFixture } from './app-fixture.js'

type Done = Extract<RecountResult, { status: 'done' }>

/** The recount job: one holder of its lock at a time, batched writes fenced by the lock (ADR-0030). */
export function describeRecountJob(start: StartFixture): void {
  let fixture: AppFixture
  beforeAll(async () => {
    // Two kinds per batch, and a pause after each batch: a run holds the lock long enough that
    // concurrent calls really meet it.
    fixture = await start({ recountBatchSize: 2, afterRecountBatch: () => sleep(20) })
  })
  afterAll(async () => {
    await fixture?.[Symbol.asyncDispose]()
  })

  const recount = (query = '') => fixture.admin.inject({ method: 'POST', url: `/jobs/recount${query}` })

  async function expectedCounts() {
    const rows = await fixture.db.query<{ kind: string; n: number }>(
      'SELECT kind, count(*)::int AS n FROM entities GROUP BY kind ORDER BY kind',
    )
    return rows.map((r) => ({ kind: r.kind, entities: r.n }))
  }

  describe('POST /jobs/recount (admin listener)', () => {
    it('writes the counts in batches, stamped with the run fence', async () => {
      const response = await recount()
      expect(response.statusCode).toBe(200)
      const run = response.json<Done>()
      const expected = await expectedCounts()
      expect(run).toMatchObject({
        status: 'done',
        kinds: expected.length,
        batches: Math.ceil(expected.length / 2),
      })
      const stored = await fixture.app.inject({ method: 'GET', url: '/api/entity-counts' })
      const { counts } = stored.json<{ counts: { kind: string; entities: number; fence: string }[] }>()
      expect(counts.map(({ kind, entities }) => ({ kind, entities }))).toEqual(expected)
      expect(new Set(counts.map((c) => c.fence))).toEqual(new Set([run.fence]))
    })

    it('lets one caller hold the lock at a time: concurrent calls without waiting are told busy', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => recount()))
      const codes = answers.map((a) => a.statusCode).sort()
      expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(1)
      expect(codes.every((c) => c === 200 || c === 409)).toBe(true)
      for (const busy of answers.filter((a) => a.statusCode === 409)) {
        expect(busy.json()).toMatchObject({ status: 'busy', error: 'Conflict' })
      }
      expectNoOverlap(answers.filter((a) => a.statusCode === 200).map((a) => a.json<Done>()))
    })

    it('runs concurrent callers that wait one after another, with increasing fences, and the last fence wins', async () => {
      // A kind added between runs: the counts must end up exactly the database's.
      await fixture.app.inject({
        method: 'POST',
        url: '/api/entities',
        payload: { kind: 'podcast', name: 'Acquired' },
      })
      const answers = await Promise.all(Array.from({ length: 4 }, () => recount('?waitMs=10000')))
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200])
      const runs = answers.map((a) => a.json<Done>()).sort((a, b) => a.heldFrom - b.heldFrom)
      expectNoOverlap(runs)
      const fences = runs.map((r) => BigInt(r.fence))
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] ?? 0n)
      const counts = await readCounts(fixture.db)
      expect(counts.map(({ kind, entities }) => ({ kind, entities }))).toEqual(await expectedCounts())
      expect(new Set(counts.map((c) => c.fence))).toEqual(new Set([runs.at(-1)?.fence]))
    })

    it('refuses the write of a holder whose lease ended while it was paused: E_FENCED, the newer counts stay', async () => {
      // Another worker of the same job took the lock, then stalled past its lease (a GC pause, a
      // stopped VM) without extending it.
      await using locks = createLockManager({
        redis: fixture.client,
        keyspace: exampleKeyspaceFor(fixture.keyPrefix),
        namespace: 'lock',
      })
      const paused = await locks.acquire(['jobs', RECOUNT_JOB], { ttl: 300 })
      await sleep(450)
      // Meanwhile the lease ended and a recount ran under a newer fence.
      const response = await recount('?waitMs=2000')
      expect(response.statusCode).toBe(200)
      const run = response.json<Done>()
      expect(BigInt(run.fence)).toBeGreaterThan(paused.fence)
      const before = await readCounts(fixture.db)

      // The paused worker wakes up and writes: the database refuses its fence.
      const late = writeCountBatch(fixture.db, paused.fence, [{ kind: 'book', entities: -1 }])
      await expect(late).rejects.toSatisfy((error) => isRedlayerError(error, 'E_FENCED'))
      expect(await readCounts(fixture.db)).toEqual(before)
      expect(new Set(before.map((c) => c.fence))).toEqual(new Set([run.fence]))
    })
  })
}

function expectNoOverlap(runs: readonly Done[]): void {
  const sorted = [...runs].sort((a, b) => a.heldFrom - b.heldFrom)
  for (let i = 1; i < sorted.length; i++) {
    expect(sorted[i]?.heldFrom).toBeGreaterThanOrEqual(sorted[i - 1]?.heldUntil ?? 0)
  }
}
