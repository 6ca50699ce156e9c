import { startTopology } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BENCH_TOPOLOGIES, type BenchTopology } from '../src/bench-context.js'
import { describeEnvironment } from '../src/environment.js'
import { formatScenario } from '../src/report.js'
import { runScenario, selectScenarios } from '../src/run-scenarios.js'
import type { Scenario } from '../src/scenario.js'
import { SCENARIOS } from '../src/scenarios/index.js'

// Every scenario with tiny counts on every topology it runs on, so that the benchmarks cannot
// rot. Nothing here is timed: the figures of a quick run mean nothing; only their shape is checked.
describe.each(BENCH_TOPOLOGIES)('benchmarks on %s, quick mode', (kind) => {
  let topology: BenchTopology

  beforeAll(async () => {
    topology = await startTopology(kind, { config: ['save ""', 'appendonly no'] })
  }, 120_000)

  afterAll(async () => {
    await topology?.[Symbol.asyncDispose]()
  })

  const runsHere = SCENARIOS.filter((scenario) => scenario.topologies.includes(kind))
  it.each(runsHere.map((scenario) => [scenario.name, scenario] as [string, Scenario]))(
    '%s runs and every contender produces numbers',
    async (name, scenario) => {
      const result = await runScenario(scenario, topology, true)
      expect(result.name).toBe(name)
      expect(result.adrs.length).toBeGreaterThan(0)
      expect(result.measurements.length).toBeGreaterThan(0)
      for (const m of result.measurements) {
        expect(m.ops, `${m.contender} ops`).toBeGreaterThan(0)
        expect(Number.isFinite(m.opsPerSec) && m.opsPerSec > 0, `${m.contender} ops/s`).toBe(true)
        expect(Number.isFinite(m.p50Ms) && m.p50Ms >= 0, `${m.contender} p50`).toBe(true)
        expect(m.p99Ms, `${m.contender} p99`).toBeGreaterThanOrEqual(m.p50Ms)
      }
      expect(result.checks.length).toBeGreaterThan(0)
      for (const c of result.checks) {
        expect(Number.isFinite(c.value), `${c.label} value`).toBe(true)
        expect(c.met === undefined, `${c.label} verdict`).toBe(c.aim === undefined)
      }
      expect(formatScenario(result)).toContain(`== ${name}:`)
      if (topology.kind === 'standalone') expect(topology.server.paused).toBe(false)
    },
  )
})

describe('benchmarks: choosing scenarios', () => {
  it('rejects an unknown scenario name with the known ones', () => {
    expect(() => selectScenarios(['nope'])).toThrow(/unknown scenario nope; known: guard-budget, cache-hit/)
  })

  it('runs on Cluster the peer comparisons with aims, and refuses one named that needs one server', () => {
    expect(selectScenarios([], 'cluster').map((s) => s.name)).toEqual([
      'cache-hit',
      'ratelimit',
      'lock-acquire',
      'session-append',
      'express-session',
    ])
    expect(selectScenarios([]).length).toBe(SCENARIOS.length)
    expect(() => selectScenarios(['degraded'], 'cluster')).toThrow(
      /degraded does not run on cluster; these do: cache-hit, ratelimit/,
    )
  })

  it('describes the machine and the versions of every peer', () => {
    const env = describeEnvironment('cluster')
    expect(env.topology).toMatch(/Cluster on loopback: 3 masters/)
    expect(env.nproc).toBeGreaterThan(0)
    expect(env.redisServer).toMatch(/^\d+\.\d+/)
    expect(Object.values(env.versions).every((v) => /\d+\.\d+/.test(v))).toBe(true)
  })
})
