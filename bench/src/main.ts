import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { checksMarkdown, measurementsMarkdown } from './markdown.js'
import { type BenchReport, formatEnvironment, formatScenario, writeReport } from './report.js'
import { runScenarios, selectScenarios } from './run-scenarios.js'

const usage = `usage: node bench/dist/main.js [--scenario name]... [--quick] [--out file]
  --scenario  run only this scenario (repeatable); default: every scenario
  --quick     tiny counts: proves the scenarios run, measures nothing
  --out       where to write the JSON report (default bench/results/latest.json;
              a --quick or --scenario run writes bench/results/partial.json unless given)
  --list      print the scenario names
  --markdown  print the README tables of a report written earlier, run nothing`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', multiple: true },
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
  const only = values.scenario ?? []
  selectScenarios(only)
  const partial = values.quick || only.length > 0
  const out =
    values.out ?? fileURLToPath(new URL(`../results/${partial ? 'partial' : 'latest'}.json`, import.meta.url))
  const report = await runScenarios({
    only,
    quick: values.quick,
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
