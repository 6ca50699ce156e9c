import { type RedisProcess, startRedis } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEnvironment } from '../src/environment.js'
import { formatScenario } from '../src/report.js'
import { runScenario, selectScenarios } from '../src/run-scenarios.js'
import { SCENARIOS } from '../src/scenarios/index.js'

// Every scenario with tiny counts, so that the benchmarks cannot rot. Nothing here is timed:
// the figures of a quick run mean nothing; only their shape is checked.
describe('benchmarks, quick mode', () => {
  let server: RedisProcess

  beforeAll(async () => {
    server = await startRedis({ config: ['save ""', 'appendonly no'] })
  })

  afterAll(async () => {
    await server?.[Symbol.asyncDispose]()
  })

  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s runs and every contender produces numbers',
    async (name, scenario) => {
      const result = await runScenario(scenario, server, true)
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
      expect(server.paused).toBe(false)
    },
  )

  it('rejects an unknown scenario name with the known ones', () => {
    expect(() => selectScenarios(['nope'])).toThrow(/unknown scenario nope; known: guard-budget, cache-hit/)
  })

  it('describes the machine and the versions of every peer', () => {
    const env = describeEnvironment()
    expect(env.nproc).toBeGreaterThan(0)
    expect(env.redisServer).toMatch(/^\d+\.\d+/)
    expect(Object.values(env.versions).every((v) => /\d+\.\d+/.test(v))).toBe(true)
  })
})
