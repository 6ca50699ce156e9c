import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { MAX_PENDING_UPDATES, PendingUpdates } from './pending-updates.js'

function instruments() {
  const registry = new Registry()
  const pending = new PendingUpdates()
  const collect = () => pending.flush()
  const histogram = new Histogram({
    name: 'h_seconds',
    help: 'h',
    labelNames: ['op'],
    buckets: [0.001, 0.01],
    registers: [registry],
    collect,
  })
  const counter = new Counter({
    name: 'c_total',
    help: 'c',
    labelNames: ['op'],
    registers: [registry],
    collect,
  })
  return { registry, pending, histogram, counter }
}

describe('pending instrument updates (issue 18)', () => {
  it('hands every observation and increment over, with its value, before any read', async () => {
    const { pending, histogram, counter } = instruments()
    const a = histogram.labels({ op: 'a' })
    const hits = counter.labels({ op: 'a' })
    // More than one buffer's worth: some are handed over on the way, the rest on the read.
    const n = 2 * MAX_PENDING_UPDATES + 7
    for (let i = 0; i < n; i++) {
      pending.observe(a, i % 2 === 0 ? 0.0005 : 0.005)
      pending.inc(hits, 2)
    }
    const { values } = await histogram.get()
    const find = (metricName: string, le?: number) =>
      values.find(
        (v) => v.metricName === metricName && (le === undefined || (v.labels as { le?: number }).le === le),
      )?.value
    expect(find('h_seconds_count')).toBe(n)
    expect(find('h_seconds_bucket', 0.001)).toBe(Math.ceil(n / 2))
    expect(find('h_seconds_bucket', 0.01)).toBe(n)
    expect(find('h_seconds_sum')).toBeCloseTo(Math.ceil(n / 2) * 0.0005 + Math.floor(n / 2) * 0.005, 9)
    expect((await counter.get()).values[0]?.value).toBe(2 * n)
  })

  it('is read through a scrape of the registry too', async () => {
    const { registry, pending, counter } = instruments()
    pending.inc(counter.labels({ op: 'b' }))
    expect(await registry.metrics()).toContain('c_total{op="b"} 1')
  })
})
