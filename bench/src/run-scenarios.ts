import { createRedlayerMetrics } from '@redlayer/metrics'
import { startTopology } from '@redlayer/testkit'
import { BenchContext, type BenchTopology, type BenchTopologyKind } from './bench-context.js'
import { currentLoad, describeEnvironment } from './environment.js'
import type { BenchReport } from './report.js'
import type { ScenarioResult } from './result.js'
import type { Scenario } from './scenario.js'
import { SCENARIOS } from './scenarios/index.js'

export interface RunOptions {
  /** Scenario names; every scenario when empty. */
  readonly only?: readonly string[]
  readonly quick: boolean
  /** Where the scenarios run (standalone by default; `cluster`: the scenarios that run there). */
  readonly topology?: BenchTopologyKind
  /** Called with each result as soon as it is ready. */
  readonly onResult?: (result: ScenarioResult) => void
}

/**
 * The scenarios named (every one that runs on `topology` when none is), in the run order; throws
 * on an unknown name and on a scenario named that does not run on `topology`.
 */
export function selectScenarios(
  only: readonly string[] = [],
  topology: BenchTopologyKind = 'standalone',
): Scenario[] {
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name))
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    )
  }
  const elsewhere = SCENARIOS.filter((s) => only.includes(s.name) && !s.topologies.includes(topology))
  if (elsewhere.length > 0) {
    throw new Error(
      `${elsewhere.map((s) => s.name).join(', ')} does not run on ${topology}; these do: ` +
        SCENARIOS.filter((s) => s.topologies.includes(topology))
          .map((s) => s.name)
          .join(', '),
    )
  }
  return SCENARIOS.filter((s) =>
    only.length === 0 ? s.topologies.includes(topology) : only.includes(s.name),
  )
}

/** Runs one scenario on `topology` and closes everything it opened, even when it fails. */
export async function runScenario(
  scenario: Scenario,
  topology: BenchTopology,
  quick: boolean,
): Promise<ScenarioResult> {
  const ctx = new BenchContext(topology, { quick })
  try {
    const outcome = await scenario.run(ctx)
    return {
      name: scenario.name,
      title: scenario.title,
      adrs: scenario.adrs,
      measurements: outcome.measurements,
      checks: outcome.checks,
      facts: outcome.facts ?? {},
      notes: outcome.notes ?? [],
    }
  } finally {
    if (topology.kind === 'standalone' && topology.server.paused) topology.server.resume()
    await ctx.close()
  }
}

/**
 * Runs the scenarios one after the other against ONE topology of the testkit (never a shared
 * server), with every contender of a scenario in the same process and rounds.
 */
export async function runScenarios(options: RunOptions): Promise<BenchReport> {
  const kind = options.topology ?? 'standalone'
  const scenarios = selectScenarios(options.only, kind)
  const environment = describeEnvironment(kind)
  await using topology = await startTopology(kind, { config: ['save ""', 'appendonly no'] })
  // ADR-0005: redlayer's contenders run instrumented, as in an app: one set of prom-client
  // instruments subscribed for the whole run (the peers publish nothing, so they pay nothing).
  using _metrics = createRedlayerMetrics()
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, topology, options.quick)
    options.onResult?.(result)
    results.push(result)
  }
  environment.loadAtEnd = currentLoad()
  return { quick: options.quick, environment, scenarios: results }
}
