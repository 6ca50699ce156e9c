import {
  FAILOVER_TOPOLOGIES,
  failoverMode,
  failoverRuns,
  failoverViolations,
  ownsSlot,
  recordFailover,
  recordMeasurement,
  runFailover,
  runLossTrial,
  startTopology,
} from '@redlayer/testkit'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { cacheFixture } from './fixtures.js'

// ADR-0015 (measured failover behaviour), ADR-0020: cache reads and writes under load while the
// primary of a Sentinel group or a Cluster master is killed or hung, and how many acknowledged
// entries a failover loses. `npm test` runs one fault; REDLAYER_FAILOVER=full
// (npm run test:failover) runs every fault and the loss trials.
const full = failoverMode() === 'full'
const runs = failoverRuns(['sentinel', 'kill'])

describe.each(runs)('cache on %s, primary %s under load', (kind, fault) => {
  it('degrades (skipped writes, loader) through the failover, never READONLY after it, and the breaker closes by itself', async () => {
    await using topology = await startTopology(kind)
    await using f = await cacheFixture(topology.env)
    const cache = f.cache({ l1: false })
    // Ids that share one hash tag ([group, ...]): one slot, the one that fails.
    const run = await runFailover({
      topology,
      fault,
      key: f.keyspace.family('entity', 'probe').key(),
      breaker: f.guard,
      call: async (caller, iteration) => {
        const id = ['probe', `c${caller}`] as const
        const stored = (await cache.set(id, iteration)).applied
        let loaded = false
        const read = await cache.getOrSet(id, async () => {
          loaded = true
          return iteration
        })
        if (read !== iteration) throw new Error(`read ${String(read)} after writing ${iteration}`)
        return stored && !loaded ? 'ok' : 'degraded'
      },
    })
    recordFailover('cache', run)
    expect(failoverViolations(run)).toEqual([])
    // The cache never fails a caller for Redis: it skips the write and calls the loader.
    expect(run.failed).toBe(0)
    expect(run.degraded).toBeGreaterThan(0)
  })
})

const trials = full
  ? FAILOVER_TOPOLOGIES.flatMap((kind) => [0, 200].map((lagMs) => [kind, lagMs] as const))
  : []

describe.runIf(trials.length > 0).each(trials)(
  'cache entries after a kill -9 on %s (replica lag %i ms)',
  (kind, replicaLagMs) => {
    it('counts the acknowledged entries the promoted replica lacks or holds older', async () => {
      await using topology = await startTopology(kind)
      await using f = await cacheFixture(topology.env)
      const cache = f.cache({ l1: false })
      const probeKey = f.keyspace.family('entity', 'e0').key()
      // On a Cluster only the entries of the failed master's slots can be lost: count those.
      const failed =
        topology.kind === 'cluster' ? await topology.cluster.slotOwner(calculateSlot(probeKey)) : undefined
      const onFailedShard = (id: string) =>
        failed === undefined || ownsSlot(failed, calculateSlot(f.keyspace.family('entity', id).key()))
      const trial = await runLossTrial({
        topology,
        key: probeKey,
        replicaLagMs,
        write: async (caller, iteration) => {
          const id = `e${caller}-${iteration}`
          return (await cache.set(id, iteration)) ? { id, value: iteration } : undefined
        },
      })
      // Read back through a fresh client: what the promoted replica holds, whatever the state of
      // the writers' client (its own recovery is what the runs above measure).
      await using checker = await cacheFixture(topology.env, {
        commandTimeoutMs: 2_000,
        keyspace: f.keyspace,
      })
      const reader = checker.cache({ l1: false })
      await expect
        .poll(async () => `${await checker.redis.ping().catch((error: Error) => error.message)}`, {
          timeout: 20_000,
          interval: 200,
        })
        .toBe('PONG')
      const written = trial.acknowledged.filter((entry) => onFailedShard(entry.id))
      let lost = 0
      for (const { id, value } of written) if ((await reader.get(id)) !== value) lost++
      recordMeasurement('guarantees after kill -9', {
        package: 'cache',
        topology: kind,
        'replica lag ms': replicaLagMs,
        option: '-',
        acknowledged: written.length,
        lost,
        note: 'entries set (true) then missing after the failover',
      })
      expect(written.length).toBeGreaterThan(0)
      expect(lost).toBeLessThanOrEqual(written.length)
    })
  },
)
