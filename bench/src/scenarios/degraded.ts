import { setTimeout as sleep } from 'node:timers/promises'
import { type Contender, runBatch } from '../harness.js'
import { bentoRedisOnly, ENTITY, redlayerCache } from '../peers/caches.js'
import { type Check, check, type Measurement } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_ONLY } from '../scenario.js'
import { Sample } from '../stats.js'

const COMMAND_TIMEOUT_MS = 100

/**
 * Redis stopped (SIGSTOP: the socket stays open, nothing answers, the worst kind of outage).
 * Once the breaker is open, a guarded read must cost microseconds, not a command timeout.
 */
export const degraded: Scenario = {
  name: 'degraded',
  title: `degraded: Redis SIGSTOPped, getOrSet with the breaker open (command timeout ${COMMAND_TIMEOUT_MS} ms)`,
  adrs: ['ADR-0013', 'ADR-0010'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const { cache, guard } = await redlayerCache(ctx, 'redlayer', { commandTimeoutMs: COMMAND_TIMEOUT_MS })
    const raw = await ctx.redis('raw', { commandTimeoutMs: COMMAND_TIMEOUT_MS })
    const rawPrefix = ctx.prefix('raw')
    const bento = await bentoRedisOnly(ctx, 'bentocache', { commandTimeoutMs: COMMAND_TIMEOUT_MS })
    const loader = () => ENTITY
    const contenders: Contender[] = [
      { name: 'redlayer (breaker open)', op: (_w, i) => cache.getOrSet(['item', i % 100], loader) },
      {
        // The usual hand-written fallback: try Redis, load on any error.
        name: 'raw GET, loader on error',
        op: async (_w, i) => {
          try {
            const json = await raw.get(`${rawPrefix}${i % 100}`)
            return json === null ? loader() : JSON.parse(json)
          } catch {
            return loader()
          }
        },
      },
      {
        name: 'bentocache (L2 breaker, errors as misses)',
        op: (_w, i) => bento.getOrSet({ key: `item:${i % 100}`, factory: loader, ttl: '10m' }),
      },
    ]
    ctx.server.pause()
    // Trip the breaker: reads time out until it opens (bounded).
    const tripStarted = performance.now()
    while (guard.state !== 'open' && performance.now() - tripStarted < 10_000) {
      await runBatch(contenders[0] as Contender, 16, 16)
    }
    const tripMs = performance.now() - tripStarted
    if (guard.state !== 'open') throw new Error(`the breaker did not open within ${Math.round(tripMs)} ms`)
    await sleep(10)

    // Ours at full count; the others cost a command timeout per call, so they get a few calls
    // per round (interleaved all the same).
    const rounds = ctx.count(5, 1)
    const measurements: Measurement[] = []
    const checks: Check[] = []
    for (const concurrency of CONCURRENCY) {
      const counts = [
        ctx.count(2_000, 20) * (concurrency === 1 ? 1 : 8),
        ctx.count(5, 1) * concurrency,
        ctx.count(5, 1) * concurrency,
      ]
      const samples = contenders.map(() => new Sample())
      for (let round = 0; round < rounds; round++) {
        for (let turn = 0; turn < contenders.length; turn++) {
          const at = (round + turn) % contenders.length
          await runBatch(contenders[at] as Contender, concurrency, counts[at] as number, samples[at])
        }
      }
      contenders.forEach((contender, at) => {
        measurements.push({ contender: contender.name, concurrency, ...(samples[at] as Sample).summary() })
      })
      const ours = measurements.find(
        (m) => m.concurrency === concurrency && m.contender === contenders[0]?.name,
      )
      // The aim is for one caller; with 64 at once, a call's latency also counts the 63 calls
      // ahead of it on the event loop, so that row is a figure (its ops/s shows the per-call cost).
      const aim = concurrency === 1 ? { op: '<=' as const, target: 2 } : undefined
      checks.push(
        check(
          `redlayer getOrSet p99 with the breaker open, c=${concurrency}`,
          ours?.p99Ms ?? Number.NaN,
          'ms',
          aim,
        ),
      )
    }
    const stateAtEnd = guard.state
    ctx.server.resume()
    return {
      measurements,
      checks,
      facts: { 'ms from SIGSTOP to breaker open': Math.round(tripMs) },
      notes: [
        `breaker state at the end: ${stateAtEnd}; the measured window includes its half-open probes (reset timeout 1 s)`,
        'raw ioredis has no breaker: each call waits for the command timeout; bentocache opens its L2 breaker for 1 s after an error',
      ],
    }
  },
}
