import { createRedisGuard } from '@redlayer/resilience'
import { percentile } from '@redlayer/testkit'
import { check, type Measurement } from '../result.js'
import { type Scenario, STANDALONE_ONLY } from '../scenario.js'
import { median } from '../stats.js'

/** An already-resolved Redis reply: what is left of a call once the round trip is taken away. */
const reply = () => Promise.resolve('OK')

/** CPU µs and wall ops/s of `n` sequential calls of `op`. */
async function block(op: () => Promise<unknown>, n: number): Promise<{ cpuUs: number; opsPerSec: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < n; i++) await op()
  const used = process.cpuUsage(cpu)
  return { cpuUs: (used.user + used.system) / n, opsPerSec: n / ((performance.now() - started) / 1000) }
}

/** Per-call latencies (ms) of `n` calls, each timed on its own (the timing is in both alike). */
async function latencies(op: () => Promise<unknown>, n: number): Promise<Float64Array> {
  const sample = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await op()
    sample[i] = performance.now() - started
  }
  return sample.sort()
}

/**
 * Issue 18: the guard and instrumentation budget. `guard.run` of one call around a reply that is
 * already there (no socket, no Redis), instrumented as in an app (the run's metrics are subscribed,
 * ADR-0005), against the bare `await`: the microseconds the breaker, the timeout, the trace and
 * the metrics add to every call. The blocks alternate, so load on the machine meets both alike.
 */
export const guardBudget: Scenario = {
  name: 'guard-budget',
  title: 'guard.run and the metrics of one call, around an already-resolved reply',
  adrs: ['ADR-0013', 'ADR-0005'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const redis = await ctx.redlayerRedis('redlayer-guard-budget')
    const guard = createRedisGuard({ redis })
    ctx.defer(() => guard[Symbol.asyncDispose]())
    const n = ctx.quick ? 2_000 : 100_000
    const blocks = ctx.quick ? 2 : 7
    const runs: Record<string, { cpuUs: number; opsPerSec: number }[]> = {
      'await of a resolved reply': [],
      'guard.run + metrics': [],
    }
    const guarded = () => guard.run('cache.get', reply)
    for (const op of [reply, guarded]) await block(op, n / 10) // warm-up
    for (let b = 0; b < blocks; b++) {
      runs['await of a resolved reply']?.push(await block(reply, n))
      runs['guard.run + metrics']?.push(await block(guarded, n))
    }
    const timed = {
      'await of a resolved reply': await latencies(reply, n / 10),
      'guard.run + metrics': await latencies(guarded, n / 10),
    }
    const measurements: Measurement[] = Object.entries(runs).map(([contender, rounds]) => ({
      contender,
      concurrency: 1,
      ops: n * rounds.length,
      opsPerSec: median(rounds.map((r) => r.opsPerSec)),
      p50Ms: percentile(timed[contender as keyof typeof timed], 0.5),
      p99Ms: percentile(timed[contender as keyof typeof timed], 0.99),
      cpuUsPerOp: median(rounds.map((r) => r.cpuUs)),
      roundOpsPerSec: rounds.map((r) => r.opsPerSec),
    }))
    const cpu = (name: string) => measurements.find((m) => m.contender === name)?.cpuUsPerOp ?? Number.NaN
    const bare = cpu('await of a resolved reply')
    return {
      measurements,
      checks: [
        check('guard.run + metrics, CPU µs/op over the bare await', cpu('guard.run + metrics') - bare, 'µs', {
          op: '<=',
          target: 4,
        }),
      ],
    }
  },
}
