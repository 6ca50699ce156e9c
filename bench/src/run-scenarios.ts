import { createRedlayerMetrics } from '@redlayer/metrics'
import { type RedisProcess, startRedis } from '@redlayer/testkit'
import { BenchContext } from './bench-context.js'
import { currentLoad, describeEnvironment } from './environment.js'
import type { BenchReport } from './report.js'
import type { ScenarioResult } from './result.js'
import type { Scenario } from './scenario.js'
import { SCENARIOS } from './scenarios/index.js'

export interface RunOptions {
  /** Scenario names; every scenario when empty. */
  readonly only?: readonly string[]
  readonly quick: boolean
  /** Called with each result as soon as it is ready. */
  readonly onResult?: (result: ScenarioResult) => void
}

/** The scenarios named, in the run order; throws on an unknown name. */
export function selectScenarios(only: readonly string[] = []): Scenario[] {
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name))
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    )
  }
  return SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))
}

/** Runs one scenario on `server` and closes everything it opened, even when it fails. */
export async function runScenario(
  scenario: Scenario,
  server: RedisProcess,
  quick: boolean,
): Promise<ScenarioResult> {
  const ctx = new BenchContext(server, { quick })
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
    if (server.paused) server.resume()
    await ctx.close()
  }
}

/**
 * Runs the scenarios one after the other against ONE redis-server of the testkit (never a
 * shared server), with every contender of a scenario in the same process and rounds.
 */
export async function runScenarios(options: RunOptions): Promise<BenchReport> {
  const scenarios = selectScenarios(options.only)
  const environment = describeEnvironment()
  await using server = await startRedis({ config: ['save ""', 'appendonly no'] })
  // ADR-0005: redlayer's contenders run instrumented, as in an app: one set of prom-client
  // instruments subscribed for the whole run (the peers publish nothing, so they pay nothing).
  using _metrics = createRedlayerMetrics()
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, server, options.quick)
    options.onResult?.(result)
    results.push(result)
  }
  environment.loadAtEnd = currentLoad()
  return { quick: options.quick, environment, scenarios: results }
}
