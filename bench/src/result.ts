/** One contender at one concurrency level, over every round. */
export interface Measurement {
  readonly contender: string
  readonly concurrency: number
  readonly ops: number
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
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

/** ops/s of `ours` over ops/s of `theirs`, at every concurrency both were measured at. */
export function throughputChecks(
  measurements: readonly Measurement[],
  ours: string,
  theirs: string,
  aim: Aim | undefined,
  concurrencies: readonly number[],
): Check[] {
  return concurrencies.map((c) =>
    check(
      `${ours} / ${theirs} ops/s, c=${c}`,
      find(measurements, ours, c).opsPerSec / find(measurements, theirs, c).opsPerSec,
      'x',
      aim,
    ),
  )
}
