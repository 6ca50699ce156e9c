import type { Measurement } from './result.js'
import { CONCURRENCY } from './scenario.js'
import { Sample } from './stats.js'

/** One library under test: `op` does one operation; `worker` is the caller's index (0..concurrency-1). */
export interface Contender {
  readonly name: string
  op(worker: number, index: number): Promise<unknown>
}

export interface Plan {
  readonly concurrency: number
  /** Operations per contender per round. */
  readonly opsPerRound: number
  readonly rounds: number
  /** Operations per contender before the first round (JIT, script loading, connection warm-up). */
  readonly warmupOps: number
}

/**
 * Runs `total` operations with `concurrency` callers, each starting its next operation as soon
 * as its last one settled; records every latency into `sample` and the wall time of the batch.
 */
export async function runBatch(
  contender: Contender,
  concurrency: number,
  total: number,
  sample?: Sample,
): Promise<void> {
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const caller = async (worker: number) => {
    while (next < total) {
      const index = next++
      const t0 = performance.now()
      await contender.op(worker, index)
      sample?.add(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => caller(worker)))
  const elapsedMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  sample?.addRound(total, elapsedMs, used.user + used.system)
}

/**
 * Measures contenders interleaved in rounds (A B C, then B C A, ...; with three or more, each
 * round steps through them by one of `stridesOf`), so that drift of a shared, noisy machine falls
 * on every contender alike, no one always runs first or last, and no one always runs after the
 * same one.
 */
export async function interleave(contenders: readonly Contender[], plan: Plan): Promise<Measurement[]> {
  for (const contender of contenders) await runBatch(contender, plan.concurrency, plan.warmupOps)
  const samples = contenders.map(() => new Sample())
  const strides = stridesOf(contenders.length)
  for (let round = 0; round < plan.rounds; round++) {
    const stride = strides[round % strides.length] as number
    for (let turn = 0; turn < contenders.length; turn++) {
      const at = (round + turn * stride) % contenders.length
      await runBatch(contenders[at] as Contender, plan.concurrency, plan.opsPerRound, samples[at])
    }
  }
  return contenders.map((contender, at) => ({
    contender: contender.name,
    concurrency: plan.concurrency,
    ...(samples[at] as Sample).summary(),
  }))
}

/**
 * The steps through the contenders, one per round in turn: every k below n prime to n, so each
 * round's order visits every contender once, and a contender follows a different one from one
 * round to the next (issue 18: with a step of 1 each contender always followed the same one, and
 * paid for its garbage: bench README, "Issue 18, fifth pass").
 */
function stridesOf(n: number): number[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  const strides: number[] = []
  for (let k = 1; k < n; k++) if (gcd(k, n) === 1) strides.push(k)
  return strides.length > 0 ? strides : [1]
}

/** `interleave` at each throughput concurrency (1, then 64), with the plan each one gets. */
export async function interleaveAtEachConcurrency(
  contenders: readonly Contender[],
  planFor: (concurrency: number) => Plan,
): Promise<Measurement[]> {
  const measurements: Measurement[] = []
  for (const concurrency of CONCURRENCY)
    measurements.push(...(await interleave(contenders, planFor(concurrency))))
  return measurements
}
