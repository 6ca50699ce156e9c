import {
  type RedisOperationContext,
  type RedisOperationOutcome,
  redlayerChannels,
} from '@redlayer/connection/diagnostics'

const OUTCOMES = [
  'ok',
  'failure',
  'timeout',
  'error',
  'short_circuit',
] as const satisfies readonly RedisOperationOutcome[]

// ADR-0040: the error rate counts what Redis did not serve; a caller's own error is not one (ADR-0013).
/** Outcomes that mean Redis did not serve the operation (`error` is the caller's own error). */
const UNSERVED: ReadonlySet<RedisOperationOutcome> = new Set(['failure', 'timeout', 'short_circuit'])

export interface OperationWindowSummary {
  /** Operations in the window (at most its capacity). */
  readonly operations: number
  readonly capacity: number
  /** Latency percentiles of the window, ms; null when it is empty. */
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number } | null
  readonly byOutcome: Readonly<Record<RedisOperationOutcome, number>>
  /** Share of the window's operations that Redis did not serve (failure, timeout, short circuit). */
  readonly errorRate: number
}

/**
 * The last `capacity` Redis operations (1000 by default, the rolling window of the performance
 * notes in the reference material): duration and outcome in two fixed-size typed arrays, so
 * recording is O(1) and memory stays constant. Percentiles are computed when a report asks.
 */
export class OperationWindow {
  readonly capacity: number
  readonly #durations: Float64Array
  readonly #outcomes: Uint8Array
  #next = 0
  #size = 0

  constructor(capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1_000_000) {
      throw new RangeError(`operation window capacity must be an integer from 1 to 1000000, got ${capacity}`)
    }
    this.capacity = capacity
    this.#durations = new Float64Array(capacity)
    this.#outcomes = new Uint8Array(capacity)
  }

  record(durationMs: number, outcome: RedisOperationOutcome): void {
    this.#durations[this.#next] = durationMs
    this.#outcomes[this.#next] = OUTCOMES.indexOf(outcome)
    this.#next = (this.#next + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
  }

  summary(): OperationWindowSummary {
    const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<RedisOperationOutcome, number>
    const durations = this.#durations.slice(0, this.#size).sort()
    let unserved = 0
    for (let i = 0; i < this.#size; i++) {
      const outcome = OUTCOMES[this.#outcomes[i] ?? 0] ?? 'ok'
      byOutcome[outcome]++
      if (UNSERVED.has(outcome)) unserved++
    }
    const at = (q: number) => round(durations[Math.min(this.#size - 1, Math.ceil(q * this.#size) - 1)] ?? 0)
    return {
      operations: this.#size,
      capacity: this.capacity,
      latencyMs:
        this.#size === 0
          ? null
          : {
              p50: at(0.5),
              p95: at(0.95),
              p99: at(0.99),
              max: round(durations[this.#size - 1] ?? 0),
              mean: round(durations.reduce((sum, d) => sum + d, 0) / this.#size),
            },
      byOutcome,
      errorRate: this.#size === 0 ? 0 : unserved / this.#size,
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/**
 * Records every guarded Redis operation of the process in `window` (ADR-0005: the guard publishes
 * them on `redlayer:redis.operation`) until the returned function is called.
 */
export function recordOperations(window: OperationWindow): () => void {
  const handlers = {
    asyncEnd: ({ durationMs = 0, outcome = 'error' }: RedisOperationContext) =>
      window.record(durationMs, outcome),
  }
  redlayerChannels.redisOperation.subscribe(handlers)
  return () => redlayerChannels.redisOperation.unsubscribe(handlers)
}
