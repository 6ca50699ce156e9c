import type { BenchContext, BenchTopologyKind } from './bench-context.js'
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
  /** Where it runs: the peer comparisons with aims also on Cluster, as figures (issue 18). */
  readonly topologies: readonly BenchTopologyKind[]
  run(ctx: BenchContext): Promise<ScenarioOutcome>
}

/** The concurrency levels of every throughput scenario. */
export const CONCURRENCY = [1, 64] as const

/** Where a scenario runs: also on Cluster when it needs nothing but clients, the standalone server only when it stops it, shares its address with a child or measures one node. */
export const STANDALONE_AND_CLUSTER = ['standalone', 'cluster'] as const
export const STANDALONE_ONLY = ['standalone'] as const
