import { setTimeout as sleep } from 'node:timers/promises'
import { type Acquire, redisSemaphoreLocks, redlayerLocks, redlockLocks } from '../peers/locks.js'
import { check, find, type Measurement } from '../result.js'
import { type Scenario, STANDALONE_ONLY } from '../scenario.js'
import { Sample } from '../stats.js'

/**
 * One hand-off: a holder has the lock, a waiter is already waiting for it; the time from the
 * holder's release call to the waiter holding the lock.
 */
async function handOff(acquire: Acquire, resource: string, holdMs: number): Promise<number> {
  const releaseHolder = await acquire(resource)
  const waiter = acquire(resource)
  await sleep(holdMs)
  const t0 = performance.now()
  await releaseHolder()
  const releaseWaiter = await waiter
  const latency = performance.now() - t0
  await releaseWaiter()
  return latency
}

/** The lock changes hands between two callers waiting on one resource. */
export const lockHandoff: Scenario = {
  name: 'lock-handoff',
  title: 'locks: contended hand-off latency (release -> waiter holds it)',
  adrs: ['ADR-0030'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const contenders: [string, Acquire][] = [
      ['redlayer', await redlayerLocks(ctx)],
      // Issue 19: the fair hand-off, to the oldest waiter through the queue (ADR-0030).
      ['redlayer, fair', await redlayerLocks(ctx, { fair: true })],
      ['redis-semaphore Mutex', await redisSemaphoreLocks(ctx)],
      ['redlock', await redlockLocks(ctx)],
    ]
    const handOffs = ctx.count(60, 2)
    const samples = contenders.map(() => new Sample())
    for (let n = 0; n < handOffs; n++) {
      for (let turn = 0; turn < contenders.length; turn++) {
        const at = (n + turn) % contenders.length
        const [, acquire] = contenders[at] as [string, Acquire]
        // A hold of 20-40 ms puts the release at a random point of a polling waiter's interval.
        const latency = await handOff(acquire, `handoff-${n}`, 20 + Math.random() * 20)
        samples[at]?.add(latency)
        samples[at]?.addElapsed(latency)
      }
    }
    const measurements: Measurement[] = contenders.map(([name], at) => ({
      contender: name,
      concurrency: 2,
      ...(samples[at] as Sample).summary(),
    }))
    const p50 = (name: string) => find(measurements, name, 2).p50Ms
    return {
      measurements,
      checks: [
        check(
          'redlayer / redis-semaphore Mutex hand-off p50',
          p50('redlayer') / p50('redis-semaphore Mutex'),
          'x',
          {
            op: '<=',
            target: 0.5,
          },
        ),
        check('redlayer / redlock hand-off p50', p50('redlayer') / p50('redlock'), 'x'),
        check('redlayer, fair / redlayer hand-off p50', p50('redlayer, fair') / p50('redlayer'), 'x'),
      ],
      notes: ['ops/s of a hand-off row is hand-offs per second of hand-off time (1 / mean latency)'],
    }
  },
}
