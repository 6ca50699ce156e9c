import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Environment } from './environment.js'
import type { Check, ScenarioResult } from './result.js'

export interface BenchReport {
  readonly quick: boolean
  readonly environment: Environment
  readonly scenarios: readonly ScenarioResult[]
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}

function opsPerSec(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
}

function latency(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a'
  return ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0)
}

export function checkValue(c: Check): string {
  return c.unit === 'x' ? `${fixed(c.value, 2)}x` : `${fixed(c.value, c.unit === 'calls' ? 0 : 2)} ${c.unit}`
}

export function checkAim(c: Check): string {
  if (c.aim === undefined) return '-'
  return `${c.aim.op} ${c.aim.target}${c.unit === 'x' ? 'x' : ` ${c.unit}`}`
}

export function checkVerdict(c: Check): string {
  return c.met === undefined ? '-' : c.met ? 'met' : 'MISSED'
}

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function formatScenario(result: ScenarioResult): string {
  const parts = [`== ${result.name}: ${result.title} (${result.adrs.join(', ')})`]
  if (result.measurements.length > 0) {
    parts.push(
      table(
        ['contender', 'conc', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'CPU µs/op'],
        result.measurements.map((m) => [
          m.contender,
          String(m.concurrency),
          String(m.ops),
          opsPerSec(m.opsPerSec),
          latency(m.p50Ms),
          latency(m.p99Ms),
          fixed(m.cpuUsPerOp, 1),
        ]),
        [false, true, true, true, true, true, true],
      ),
    )
  }
  if (result.checks.length > 0) {
    parts.push(
      table(
        ['check', 'value', 'aim', 'verdict'],
        result.checks.map((c) => [c.label, checkValue(c), checkAim(c), checkVerdict(c)]),
        [false, true, false, false],
      ),
    )
  }
  const facts = Object.entries(result.facts)
  if (facts.length > 0) parts.push(facts.map(([k, v]) => `${k}: ${v}`).join('\n'))
  for (const note of result.notes) parts.push(`note: ${note}`)
  return parts.join('\n\n')
}

export function formatEnvironment(env: Environment): string {
  return [
    `date ${env.date}; ${env.nproc} CPUs (${env.cpu}), ${env.memoryGiB} GiB; load ${env.loadAtStart.join(' ')} at start`,
    `node ${env.node}; redis-server ${env.redisServer}; ${env.topology}`,
    Object.entries(env.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', '),
  ].join('\n')
}

export function writeReport(file: string, report: BenchReport): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
}
