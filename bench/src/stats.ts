import { percentile } from '@redlayer/testkit'

/** Collects latencies (ms) and elapsed time over many batches of one contender. */
export class Sample {
  #latencies: Float64Array
  #count = 0
  #elapsedMs = 0
  readonly #rounds: number[] = []
  #cpuUs = 0

  /** `capacity`: latencies held before the first reallocation (size it up front to keep allocation out of a memory measurement). */
  constructor(capacity = 1024) {
    this.#latencies = new Float64Array(Math.max(1, capacity))
  }

  add(latencyMs: number): void {
    if (this.#count === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2)
      grown.set(this.#latencies)
      this.#latencies = grown
    }
    this.#latencies[this.#count++] = latencyMs
  }

  addElapsed(ms: number): void {
    this.#elapsedMs += ms
  }

  /** Records one round: `ops` operations in `ms` (adds to the elapsed time), using `cpuUs` of process CPU. */
  addRound(ops: number, ms: number, cpuUs: number): void {
    this.#elapsedMs += ms
    this.#cpuUs += cpuUs
    this.#rounds.push((ops * 1000) / ms)
  }

  get count(): number {
    return this.#count
  }

  /** Ops per second over the summed wall time of every batch, and the p50 / p99 latency. */
  summary(): {
    ops: number
    opsPerSec: number
    p50Ms: number
    p99Ms: number
    cpuUsPerOp: number
    roundOpsPerSec: number[]
  } {
    const sorted = this.#latencies.slice(0, this.#count).sort()
    return {
      ops: this.#count,
      opsPerSec: this.#elapsedMs > 0 ? (this.#count * 1000) / this.#elapsedMs : Number.NaN,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      cpuUsPerOp: this.#rounds.length > 0 && this.#count > 0 ? this.#cpuUs / this.#count : Number.NaN,
      roundOpsPerSec: [...this.#rounds],
    }
  }
}

/** The median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
