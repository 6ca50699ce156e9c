#!/usr/bin/env node
// The ADR check of `npm test` (ADR-0001): records well formed, the index current, every cited
// ADR present, every package README naming its ADRs. (The tables that mirror code are compared
// by the `*.adr.test.ts` tests beside that code.) Run alone with `npm run check:adr`. Exit code 1
// and the list of problems when anything is wrong.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkAdrs, formatProblems } from './lib/adr-check.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { problems, notes, summary } = checkAdrs(root)

for (const note of notes) console.log(`  note: ${note}`)
if (problems.length > 0) {
  console.error(`✖ ADR check: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)
  for (const line of formatProblems(problems)) console.error(`  ${line}`)
  console.error('  The rules are in adr/0001-record-architecture-decisions.md.')
  process.exit(1)
}
console.log(
  `✔ ADR check: ${summary.records} records indexed, ${summary.citations} citations in ${summary.citingFiles} files, ` +
    `${summary.readmes} package READMEs`,
)
