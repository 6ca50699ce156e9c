import type { BenchContext } from './bench-context.js'
import type { Check, Measurement } from './result.js'

/** What a scenario's run produces; the runner adds its name, title and ADRs. */
export interface ScenarioOutcome {
  readonly measurements: readonly Measurement[]
  readonly checks: readonly Check[]
  readonly facts?: Readonly<Record<string, number>>
  readonly notes?: readonly string[]
}

export interface Scenario {
  readonly name: string
  readonly title: string
  readonly adrs: readonly string[]
  run(ctx: BenchContext): Promise<ScenarioOutcome>
}

/** The concurrency levels of every throughput scenario. */
export const CONCURRENCY = [1, 64] as const
