import { recordMeasurement } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { chaosPlan } from '../src/plan.js'
import { runFault } from '../src/run-fault.js'

// Issue 13, ADR-0013, ADR-0015: every data package on every topology through the faults of the
// fault model. Under each: no wrong result, no stuck client, no untyped error, no unhandled
// rejection, and no acknowledged write lost where the fault keeps the data. `npm test` runs the
// short matrix; `npm run test:chaos` (REDLAYER_CHAOS=full) runs all of it and prints the table.
describe.each(chaosPlan().map(([fault, kind]) => [fault.name, kind, fault] as const))(
  '%s on %s',
  (_name, kind, fault) => {
    it('every package keeps its declared behaviour', async () => {
      const rows = await runFault(fault, kind)
      for (const row of rows) {
        recordMeasurement('chaos matrix', {
          package: row.package,
          topology: row.topology,
          fault: row.fault,
          calls: row.calls,
          failed: row.failed,
          degraded: row.degraded,
          wrong: row.wrong,
          'lost acknowledged':
            row.lost === undefined ? '-' : `${row.lost}${row.guaranteed ? ' (guaranteed 0)' : ''}`,
          'recovered ms after the fault ended': row.recoveredMs,
          'recovered ms after each promotion (median, max)': promotionSummary(row.recoveredAfterPromotionMs),
          stuck: row.stuck,
          'untyped errors': row.untyped,
          'unhandled rejections': row.unhandled,
        })
      }
      for (const row of rows) {
        const what = `${row.package} on ${row.topology} under ${row.fault}`
        // Issue 13: after each promotion the callers follow within half a second (median).
        if (row.recoveredAfterPromotionMs.length > 0)
          expect(
            median(row.recoveredAfterPromotionMs),
            `${what}: median recovery after promotion`,
          ).toBeLessThanOrEqual(500)
        expect(row.wrong, `${what}: wrong results`).toBe(0)
        expect(row.stuck, `${what}: stuck client`).toBe(0)
        expect(row.untyped, `${what}: untyped errors`).toBe(0)
        expect(row.unhandled, `${what}: unhandled rejections`).toBe(0)
        if (row.guaranteed) expect(row.lost, `${what}: lost acknowledged writes`).toBe(0)
      }
    }, 600_000)
  },
)

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

function promotionSummary(values: readonly number[]): string | undefined {
  if (values.length === 0) return undefined
  return `${median(values)}, ${Math.max(...values)} (${values.length} failovers)`
}
