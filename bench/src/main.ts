import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BENCH_TOPOLOGIES } from './bench-context.js'
import { checksMarkdown, measurementsMarkdown } from './markdown.js'
import { type BenchReport, formatEnvironment, formatScenario, writeReport } from './report.js'
import { runScenarios, selectScenarios } from './run-scenarios.js'

const usage = `usage: node bench/dist/main.js [--scenario name]... [--topology kind] [--quick] [--out file]
  --scenario  run only this scenario (repeatable); default: every scenario of the topology
  --topology  standalone (default) or cluster: 3 masters with a replica each, where the peer
              comparisons with aims run as figures
  --quick     tiny counts: proves the scenarios run, measures nothing
  --out       where to write the JSON report (default bench/results/latest.json, on cluster
              bench/results/cluster.json; a --quick or --scenario run writes
              bench/results/partial.json unless given)
  --list      print the scenario names
  --markdown  print the README tables of a report written earlier, run nothing`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', multiple: true },
      topology: { type: 'string', default: 'standalone' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      markdown: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(usage)
    return 0
  }
  if (values.list) {
    for (const s of selectScenarios()) console.log(`${s.name}\t${s.title}`)
    return 0
  }
  if (values.markdown !== undefined) {
    const report = JSON.parse(readFileSync(values.markdown, 'utf8')) as BenchReport
    console.log(`${checksMarkdown(report)}\n\n${measurementsMarkdown(report)}`)
    return 0
  }
  const topology = BENCH_TOPOLOGIES.find((kind) => kind === values.topology)
  if (topology === undefined) {
    console.error(`--topology ${values.topology}: expected one of ${BENCH_TOPOLOGIES.join(', ')}\n${usage}`)
    return 2
  }
  const only = values.scenario ?? []
  selectScenarios(only, topology)
  const partial = values.quick || only.length > 0
  const name = partial ? 'partial' : topology === 'cluster' ? 'cluster' : 'latest'
  const out = values.out ?? fileURLToPath(new URL(`../results/${name}.json`, import.meta.url))
  const report = await runScenarios({
    only,
    quick: values.quick,
    topology,
    onResult: (result) => console.log(`\n${formatScenario(result)}`),
  })
  console.log(`\n${formatEnvironment(report.environment)}`)
  writeReport(out, report)
  console.log(`\nwrote ${out}`)
  const missed = report.scenarios.flatMap((s) =>
    s.checks.filter((c) => c.met === false).map((c) => `${s.name}: ${c.label}`),
  )
  if (missed.length > 0) console.log(`\naims missed (${missed.length}):\n  ${missed.join('\n  ')}`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exit(1)
  },
)
