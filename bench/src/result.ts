import { median } from './stats.js'

/** One contender at one concurrency level, over every round. */
export interface Measurement {
  readonly contender: string
  readonly concurrency: number
  readonly ops: number
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /**
   * Process CPU time (user + system, µs) per operation while this contender ran: what the client
   * side costs, much less sensitive than wall time to other processes on a shared machine (NaN
   * where the scenario has no rounds, or the work ran in other processes).
   */
  readonly cpuUsPerOp: number
  /** ops/s of each round, in round order (empty when the scenario has no rounds). */
  readonly roundOpsPerSec: readonly number[]
}

/** What a check aims for: `value >= target` or `value <= target`. */
export interface Aim {
  readonly op: '>=' | '<='
  readonly target: number
}

/** One row of a scenario's verdict: a ratio or a count, its aim, and whether it is met. */
export interface Check {
  readonly label: string
  readonly value: number
  /** `x` for a ratio ours/theirs, else the unit of the value (`calls`, `ms`, `MiB`). */
  readonly unit: string
  readonly aim: Aim | undefined
  /** Undefined when there is no aim (a figure for comparison only). */
  readonly met: boolean | undefined
}

export interface ScenarioResult {
  readonly name: string
  readonly title: string
  /** The ADRs whose claims the scenario measures. */
  readonly adrs: readonly string[]
  readonly measurements: readonly Measurement[]
  readonly checks: readonly Check[]
  /** Further figures (loader calls, heap bytes...), by name. */
  readonly facts: Readonly<Record<string, number>>
  readonly notes: readonly string[]
}

export function check(label: string, value: number, unit: string, aim?: Aim): Check {
  const met =
    aim === undefined || !Number.isFinite(value)
      ? aim === undefined
        ? undefined
        : false
      : aim.op === '>='
        ? value >= aim.target
        : value <= aim.target
  return { label, value, unit, aim, met }
}

/** The measurement of `contender` at `concurrency`; throws when the scenario did not produce it. */
export function find(
  measurements: readonly Measurement[],
  contender: string,
  concurrency: number,
): Measurement {
  const found = measurements.find((m) => m.contender === contender && m.concurrency === concurrency)
  if (found === undefined) throw new Error(`no measurement of ${contender} at concurrency ${concurrency}`)
  return found
}

/**
 * The throughput ratio of `ours` to `theirs`: the median over rounds of ours/theirs in the same
 * round. Rounds are interleaved, so each pair ran under nearly the same machine load; the median
 * keeps a burst of load from another process on a shared machine from deciding the verdict.
 */
export function throughputRatio(ours: Measurement, theirs: Measurement): number {
  const pairs = Math.min(ours.roundOpsPerSec.length, theirs.roundOpsPerSec.length)
  if (pairs === 0) return ours.opsPerSec / theirs.opsPerSec
  return median(
    Array.from(
      { length: pairs },
      (_, round) => (ours.roundOpsPerSec[round] as number) / (theirs.roundOpsPerSec[round] as number),
    ),
  )
}

/** A ratio of `ours` to `theirs` at each concurrency, as checks labelled `<ours> / <theirs> <what>, c=N`. */
function ratioChecks(
  what: string,
  ratio: (ours: Measurement, theirs: Measurement) => number,
): (
  measurements: readonly Measurement[],
  ours: string,
  theirs: string,
  aim: Aim | undefined,
  concurrencies: readonly number[],
) => Check[] {
  return (measurements, ours, theirs, aim, concurrencies) =>
    concurrencies.map((c) =>
      check(
        `${ours} / ${theirs} ${what}, c=${c}`,
        ratio(find(measurements, ours, c), find(measurements, theirs, c)),
        'x',
        aim,
      ),
    )
}

/** `throughputRatio` of `ours` to `theirs` at every concurrency both were measured at. */
export const throughputChecks = ratioChecks('ops/s', throughputRatio)

/**
 * Issue 18: the client CPU per call of `ours` over `theirs` (process CPU of their rounds, per call)
 * at each concurrency: what the library adds to the same round trips, the least load-sensitive
 * figure of a shared machine.
 */
export const cpuChecks = ratioChecks('CPU µs/op', (ours, theirs) => ours.cpuUsPerOp / theirs.cpuUsPerOp)
