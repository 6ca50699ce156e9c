import { describe, expect, it } from 'vitest'
import { OperationWindow } from './operation-window.js'

describe('OperationWindow', () => {
  it('is empty at first', () => {
    expect(new OperationWindow(10).summary()).toMatchObject({ operations: 0, latencyMs: null, errorRate: 0 })
  })

  it('computes nearest-rank percentiles over the operations it holds', () => {
    const window = new OperationWindow(100)
    for (let ms = 1; ms <= 100; ms++) window.record(ms, 'ok')
    expect(window.summary().latencyMs).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 })
  })

  it('keeps only the last `capacity` operations', () => {
    const window = new OperationWindow(3)
    for (const ms of [500, 400, 1, 2, 3]) window.record(ms, 'ok')
    expect(window.summary()).toMatchObject({ operations: 3, latencyMs: { max: 3, p50: 2 } })
  })

  it("counts failures, timeouts and short circuits as errors, not the caller's own errors", () => {
    const window = new OperationWindow(10)
    for (const outcome of [
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'failure',
      'timeout',
      'short_circuit',
      'error',
    ] as const) {
      window.record(1, outcome)
    }
    const summary = window.summary()
    expect(summary.errorRate).toBeCloseTo(0.3)
    expect(summary.byOutcome).toEqual({ ok: 6, failure: 1, timeout: 1, error: 1, short_circuit: 1 })
  })

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new OperationWindow(0)).toThrow(RangeError)
    expect(() => new OperationWindow(1.5)).toThrow(RangeError)
  })

  it('forgets what is older than its window, so an alert clears within it after recovery', () => {
    let now = 0
    const window = new OperationWindow(100, 60_000, () => now)
    for (let i = 0; i < 10; i++) window.record(300, 'timeout')
    now = 30_000
    for (let i = 0; i < 10; i++) window.record(1, 'ok')
    expect(window.summary()).toMatchObject({ operations: 20, errorRate: 0.5 })
    now = 60_001
    expect(window.summary()).toMatchObject({ operations: 10, errorRate: 0 })
    now = 200_000
    expect(window.summary()).toMatchObject({ operations: 0, errorRate: 0, latencyMs: null })
  })

  it('takes the latency percentiles over served operations only, as the Prometheus rule does', () => {
    const window = new OperationWindow(10)
    window.record(1, 'ok')
    window.record(2, 'ok')
    window.record(500, 'timeout')
    expect(window.summary().latencyMs).toMatchObject({ max: 2, p99: 2 })
  })
})
