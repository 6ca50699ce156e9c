import { interleaveAtEachConcurrency } from '../harness.js'
import { type Acquire, redisSemaphoreLocks, redlayerLocks, redlockLocks } from '../peers/locks.js'
import { throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_AND_CLUSTER } from '../scenario.js'

function acquireRelease(name: string, acquire: Acquire) {
  // Each caller locks a resource of its own: uncontended.
  return {
    name,
    op: async (worker: number) => {
      const release = await acquire(`resource-${worker}`)
      await release()
    },
  }
}

/** Acquire + release of a free lock. */
export const lockAcquire: Scenario = {
  name: 'lock-acquire',
  title: 'locks: uncontended acquire + release',
  adrs: ['ADR-0030'],
  topologies: STANDALONE_AND_CLUSTER,
  async run(ctx) {
    const contenders = [
      acquireRelease('redlayer', await redlayerLocks(ctx)),
      // Not a comparator with an aim: what a fair caller pays when nobody waits (issue 19).
      acquireRelease('redlayer, fair', await redlayerLocks(ctx, { fair: true })),
      acquireRelease('redis-semaphore Mutex', await redisSemaphoreLocks(ctx)),
      acquireRelease('redlock', await redlockLocks(ctx)),
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: concurrency === 1 ? 300 : 1_500, rounds: 15 }),
    )
    return {
      measurements,
      checks: [
        ...throughputChecks(
          measurements,
          'redlayer',
          'redis-semaphore Mutex',
          { op: '>=', target: 1.0 },
          CONCURRENCY,
        ),
        ...throughputChecks(measurements, 'redlayer', 'redlock', { op: '>=', target: 1.0 }, CONCURRENCY),
        ...throughputChecks(measurements, 'redlayer, fair', 'redlayer', undefined, CONCURRENCY),
      ],
    }
  },
}
