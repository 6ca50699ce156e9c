import { createRedis, loadRedisConfig, RedlayerError } from '@redlayer/connection'
import { createRedisGuard } from '@redlayer/resilience'
import {
  FAILOVER_TOPOLOGIES,
  failoverMode,
  failoverRuns,
  failoverViolations,
  recordFailover,
  recordMeasurement,
  runFailover,
  runLossTrial,
  startTopology,
} from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { createSessionStore, parseSessionId } from '../src/index.js'
import { sessionFixture } from './fixtures.js'

// ADR-0015 (measured failover behaviour), ADR-0033: event appends under load while the primary
// of a Sentinel group or a Cluster master is killed or hung, and how many acknowledged events a
// failover loses, with and without the durability option. `npm test` runs one fault;
// REDLAYER_FAILOVER=full (npm run test:failover) runs every fault and the loss trials.
const full = failoverMode() === 'full'
const runs = failoverRuns(['cluster', 'pause'])

describe.each(runs)('sessions on %s, primary %s under load', (kind, fault) => {
  it('fail closed through the failover, never READONLY after it, and the breaker closes by itself', async () => {
    await using topology = await startTopology(kind)
    await using f = await sessionFixture(topology)
    f.redis.on('error', () => undefined) // reconnect noise during the failover
    // One owner, so every session and its index live in one slot: the one that fails.
    const ids = await Promise.all(
      [0, 1, 2, 3].map(async () => (await f.store.create({ appName: 'chat', userId: 'probe' })).id),
    )
    const owner = parseSessionId(ids[0] ?? '').owner
    const run = await runFailover({
      topology,
      fault,
      key: f.keyspace.family('session', owner).key('x'),
      breaker: f.guard,
      call: async (caller) => {
        const result = await f.store.appendEvent(ids[caller] ?? '', { type: 'message', data: caller })
        // A code, so that the probe's report names the status (errorKind keeps codes, not messages).
        if (result.status !== 'appended')
          throw new RedlayerError(`E_APPEND_${result.status.toUpperCase().replace('-', '_')}`, 'not appended')
        return 'ok'
      },
    })
    recordFailover('session', run)
    expect(failoverViolations(run)).toEqual([])
    expect(run.degraded).toBe(0)
    expect(run.failed).toBeGreaterThan(0)
    // No event id was appended twice, and the sessions still read back whole.
    for (const id of ids) {
      const session = await f.store.get(id, { events: 'all' })
      expect(session?.events.map((event) => event.seq)).toEqual(
        session?.events.map((_, index, events) => (events[0]?.seq ?? 0) + index),
      )
    }
  })
})

const trials = full
  ? FAILOVER_TOPOLOGIES.flatMap((kind) =>
      [0, 200].flatMap((lagMs) => [false, true].map((durable) => [kind, lagMs, durable] as const)),
    )
  : ([['sentinel', 0, true]] as const)

describe.each(trials)(
  'session events after a kill -9 on %s (replica lag %i ms, durability %s)',
  (kind, replicaLagMs, durable) => {
    it('counts the acknowledged events the promoted replica lacks', async () => {
      await using topology = await startTopology(kind)
      await using f = await sessionFixture(
        topology,
        durable ? { durability: { replicas: 1, timeout: 100 } } : {},
      )
      f.redis.on('error', () => undefined)
      const { id } = await f.store.create({ appName: 'chat', userId: 'loss' })
      const trial = await runLossTrial({
        topology,
        key: f.keyspace.family('session', parseSessionId(id).owner).key('x'),
        replicaLagMs,
        write: async (caller, iteration) => {
          const eventId = `c${caller}-${iteration}`
          const result = await f.store.appendEvent(id, { id: eventId, type: 'message' })
          if (result.status !== 'appended') return undefined
          // With durability, only an event a replica acknowledged was promised to the caller.
          return !durable || result.durability?.durable ? eventId : undefined
        },
      })
      // Read back through a fresh client: what the promoted replica holds, whatever the state of
      // the writers' client (its own recovery is what the runs above measure).
      const fresh = createRedis(loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '2000' }))
      fresh.on('error', () => undefined)
      await using guard = createRedisGuard({ redis: fresh, resetTimeout: 200 })
      const checker = createSessionStore({ redis: fresh, keyspace: f.keyspace, namespace: 'session', guard })
      await expect
        .poll(
          async () =>
            await checker.get(id, { events: 'all' }).then(
              () => 'read',
              () => 'unavailable',
            ),
          {
            timeout: 20_000,
            interval: 200,
          },
        )
        .toBe('read')
      const session = await checker.get(id, { events: 'all' })
      fresh.disconnect()
      const kept = new Set(session?.events.map((event) => event.id))
      const lost = trial.acknowledged.filter((eventId) => !kept.has(eventId)).length
      recordMeasurement('guarantees after kill -9', {
        package: 'session',
        topology: kind,
        'replica lag ms': replicaLagMs,
        option: durable ? 'durability (1 replica, 100 ms)' : '-',
        acknowledged: trial.acknowledged.length,
        lost,
        note: 'appended events missing after the failover',
      })
      expect(session).not.toBeNull()
      expect(trial.acknowledged.length).toBeGreaterThan(0)
      // An event a replica acknowledged survives the promotion of that replica.
      if (durable) expect(lost).toBe(0)
    })
  },
)
