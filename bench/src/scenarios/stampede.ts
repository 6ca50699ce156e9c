import { randomBytes } from 'node:crypto'
import type { BenchContext } from '../bench-context.js'
import { nextMessage, startChild } from '../children.js'
import { bentoRedisOnly, cacheManager, redlayerCache } from '../peers/caches.js'
import { type Check, check, type Measurement } from '../result.js'
import { type Scenario, STANDALONE_ONLY } from '../scenario.js'
import type { ChildFired, ChildSetup } from '../stampede-child.js'
import { Sample } from '../stats.js'

const CALLERS = 1_000
const LOADER_MS = 50

interface Stampeder {
  readonly name: string
  /** Fires `callers` concurrent reads of the missing `key`; resolves with the loader calls made. */
  fire(key: string, sample: Sample): Promise<number>
}

function inProcess(
  name: string,
  read: (key: string, loader: () => Promise<unknown>) => Promise<unknown>,
): Stampeder {
  return {
    name,
    async fire(key, sample) {
      let calls = 0
      const loader = async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, LOADER_MS))
        return { key }
      }
      const started = performance.now()
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          const t0 = performance.now()
          await read(key, loader)
          sample.add(performance.now() - t0)
        }),
      )
      sample.addElapsed(performance.now() - started)
      return calls
    },
  }
}

/** Two processes, half the callers each, fired at the same moment. */
async function acrossProcesses(
  ctx: BenchContext,
  name: string,
  distributed: boolean,
): Promise<Stampeder & AsyncDisposable> {
  const setup: ChildSetup = {
    url: ctx.server.url,
    runPrefix: `bench-${randomBytes(4).toString('hex')}`,
    distributed,
  }
  const children = [0, 1].map(() => startChild('stampede-child', { BENCH_CHILD: JSON.stringify(setup) }))
  await Promise.all(children.map((child) => nextMessage(child, 'ready')))
  return {
    name,
    async fire(key, sample) {
      const replies = children.map((child) => nextMessage<ChildFired>(child, 'fired'))
      for (const child of children)
        child.send({ type: 'fire', key, callers: CALLERS / 2, loaderMs: LOADER_MS })
      const fired = await Promise.all(replies)
      for (const reply of fired) sample.add(reply.elapsedMs)
      sample.addElapsed(Math.max(...fired.map((reply) => reply.elapsedMs)))
      return fired.reduce((sum, reply) => sum + reply.loaderCalls, 0)
    },
    async [Symbol.asyncDispose]() {
      for (const child of children) child.send({ type: 'close' })
      await Promise.all(children.map((child) => child[Symbol.asyncDispose]()))
    },
  }
}

/** 1000 concurrent callers of one missing key: how many loader calls reach the database. */
export const stampede: Scenario = {
  name: 'stampede',
  title: `cache-miss stampede: ${CALLERS} concurrent callers of one key, loader ${LOADER_MS} ms`,
  adrs: ['ADR-0020'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const { cache } = await redlayerCache(ctx, 'redlayer')
    const bento = await bentoRedisOnly(ctx, 'bentocache')
    const cm = await cacheManager(ctx)
    await using distributed = await acrossProcesses(
      ctx,
      'redlayer, 2 processes, distributed single-flight',
      true,
    )
    await using local = await acrossProcesses(
      ctx,
      'redlayer, 2 processes, in-process single-flight only',
      false,
    )
    const stampeders: Stampeder[] = [
      inProcess('redlayer', (key, loader) => cache.getOrSet(['stampede', key], loader)),
      inProcess('bentocache', (key, loader) =>
        bento.getOrSet({ key: `stampede:${key}`, factory: loader, ttl: '10m' }),
      ),
      inProcess('cache-manager', (key, loader) => cm.wrap(`stampede:${key}`, loader, 600_000)),
      distributed,
      local,
    ]
    const rounds = ctx.count(5, 1)
    const samples = stampeders.map(() => new Sample())
    const calls = stampeders.map(() => [] as number[])
    for (let round = 0; round < rounds; round++) {
      for (let turn = 0; turn < stampeders.length; turn++) {
        const at = (round + turn) % stampeders.length
        const key = `r${round}-${at}-${randomBytes(4).toString('hex')}`
        calls[at]?.push(await (stampeders[at] as Stampeder).fire(key, samples[at] as Sample))
      }
    }
    const measurements: Measurement[] = []
    const checks: Check[] = []
    stampeders.forEach((s, at) => {
      const summary = (samples[at] as Sample).summary()
      const perStampede = calls[at] as number[]
      const worst = Math.max(...perStampede)
      if (at < 3) measurements.push({ contender: s.name, concurrency: CALLERS, ...summary })
      const aim =
        s.name === 'redlayer' || s.name === distributed.name ? { op: '<=' as const, target: 1 } : undefined
      checks.push(check(`${s.name}: loader calls (worst of ${rounds} stampedes)`, worst, 'calls', aim))
    })
    return {
      measurements,
      checks,
      notes: [
        'latency of the in-process rows is per caller, from the start of the stampede; across processes each sample is one process serving its 500 callers',
      ],
    }
  },
}
