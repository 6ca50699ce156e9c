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
  /** Operations in the window (its last `windowMs`, at most its capacity). */
  readonly operations: number
  readonly capacity: number
  /** How far back the window reaches, ms. */
  readonly windowMs: number
  /** Latency percentiles of the window's served operations (`ok`, as the Prometheus rule), ms; null when none. */
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number } | null
  readonly byOutcome: Readonly<Record<RedisOperationOutcome, number>>
  /** Share of the window's operations that Redis did not serve (failure, timeout, short circuit). */
  readonly errorRate: number
}

/**
 * The Redis operations of the last `windowMs` (5 min, the Prometheus rules' range), at most the
 * last `capacity` of them (10 000): time, duration and outcome in fixed-size typed arrays, so
 * recording is O(1) and memory constant. A quiet spell empties it: an alert clears within its
 * window after recovery, whatever the traffic. Percentiles are computed when a report asks.
 */
export class OperationWindow {
  readonly capacity: number
  readonly windowMs: number
  readonly #at: Float64Array
  readonly #durations: Float64Array
  readonly #outcomes: Uint8Array
  readonly #now: () => number
  #next = 0
  #size = 0

  constructor(capacity = 10_000, windowMs = 5 * 60_000, now: () => number = () => performance.now()) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1_000_000) {
      throw new RangeError(`operation window capacity must be an integer from 1 to 1000000, got ${capacity}`)
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`operation window length must be a positive number of ms, got ${windowMs}`)
    }
    this.capacity = capacity
    this.windowMs = windowMs
    this.#now = now
    this.#at = new Float64Array(capacity)
    this.#durations = new Float64Array(capacity)
    this.#outcomes = new Uint8Array(capacity)
  }

  record(durationMs: number, outcome: RedisOperationOutcome): void {
    this.#at[this.#next] = this.#now()
    this.#durations[this.#next] = durationMs
    this.#outcomes[this.#next] = OUTCOMES.indexOf(outcome)
    this.#next = (this.#next + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
  }

  summary(): OperationWindowSummary {
    const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<RedisOperationOutcome, number>
    const since = this.#now() - this.windowMs
    const served: number[] = []
    let operations = 0
    let unserved = 0
    for (let i = 0; i < this.#size; i++) {
      if ((this.#at[i] ?? 0) < since) continue
      operations++
      const outcome = OUTCOMES[this.#outcomes[i] ?? 0] ?? 'ok'
      byOutcome[outcome]++
      if (UNSERVED.has(outcome)) unserved++
      if (outcome === 'ok') served.push(this.#durations[i] ?? 0)
    }
    const durations = Float64Array.from(served).sort()
    const n = durations.length
    const at = (q: number) => round(durations[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0)
    return {
      operations,
      capacity: this.capacity,
      windowMs: this.windowMs,
      latencyMs:
        n === 0
          ? null
          : {
              p50: at(0.5),
              p95: at(0.95),
              p99: at(0.99),
              max: round(durations[n - 1] ?? 0),
              mean: round(durations.reduce((sum, d) => sum + d, 0) / n),
            },
      byOutcome,
      errorRate: operations === 0 ? 0 : unserved / operations,
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/**
 * Records every guarded Redis operation of the process in `window` (ADR-0005: the guard publishes
 * them on `redlayer:redis.operation`) until the returned function is called; the monitoring's own
 * calls (`monitoring.*`: its INFO and audits) are left out, so that watching Redis does not raise
 * its alerts (the Prometheus rules leave them out by the same label).
 */
export function recordOperations(window: OperationWindow): () => void {
  const handlers = {
    asyncEnd: ({ operation, durationMs = 0, outcome = 'error' }: RedisOperationContext) => {
      if (!operation.startsWith('monitoring.')) window.record(durationMs, outcome)
    },
  }
  redlayerChannels.redisOperation.subscribe(handlers)
  return () => redlayerChannels.redisOperation.unsubscribe(handlers)
}
