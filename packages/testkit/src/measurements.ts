import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { PRIMARY_FAULTS, type PrimaryFaultKind } from './primary-fault.js'

/**
 * How much a failover test measures: `short` (the default, inside `npm test`: one fault per
 * package and topology pair, few trials) or `full` (`npm run test:failover`, REDLAYER_FAILOVER=full:
 * every fault on every topology, many trials). An unknown value is an error.
 */
export type FailoverMode = 'short' | 'full'

export function failoverMode(env: Record<string, string | undefined> = process.env): FailoverMode {
  const raw = env.REDLAYER_FAILOVER?.trim().toLowerCase() || 'short'
  if (raw !== 'short' && raw !== 'full')
    throw new Error(`REDLAYER_FAILOVER is short or full, got ${JSON.stringify(env.REDLAYER_FAILOVER)}`)
  return raw
}

/** One row of a measured table: column name to value, in column order. */
/** The failover runs of a suite: every replicated topology with every primary fault in full mode, `short` otherwise. */
export function failoverRuns(
  short: readonly [FailoverTopology, PrimaryFaultKind],
): (readonly [FailoverTopology, PrimaryFaultKind])[] {
  if (failoverMode() === 'short') return [short]
  return FAILOVER_TOPOLOGIES.flatMap((kind) => PRIMARY_FAULTS.map((fault) => [kind, fault] as const))
}

/** The topologies that have a primary to fail. */
export const FAILOVER_TOPOLOGIES = ['sentinel', 'cluster'] as const
export type FailoverTopology = (typeof FAILOVER_TOPOLOGIES)[number]

export type MeasurementRow = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * Appends one measured row of `table` to the run's results (a JSON line in the directory named
 * by REDLAYER_FAILOVER_RESULTS, one file per worker process), which `npm run test:failover`
 * prints as tables at the end. Without the variable the row goes nowhere: the test's assertions
 * are what `npm test` checks.
 */
export function recordMeasurement(
  table: string,
  row: MeasurementRow,
  env: Record<string, string | undefined> = process.env,
): void {
  const dir = env.REDLAYER_FAILOVER_RESULTS
  if (!dir) return
  appendFileSync(
    join(dir, `${process.pid}.jsonl`),
    `${JSON.stringify({ table, at: new Date().toISOString(), row })}\n`,
  )
}
