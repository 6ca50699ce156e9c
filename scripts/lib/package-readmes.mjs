// ADR-0001: each package README names the records that govern it on one `ADRs:` line.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CITATION } from './citations.mjs'
import { listFiles, packageDirs } from './repo-files.mjs'

export const README_GROUPS = ['packages', 'apps']
const ADRS_LINE = /^[\s*_]*ADRs[*_]*\s*:[*_]*(.*)$/m

/** The ADR numbers named on a README's `ADRs:` line; undefined when it has no such line. */
export function readmeAdrs(text) {
  const match = ADRS_LINE.exec(text)
  if (!match) return undefined
  return [...match[1].matchAll(CITATION)].map((citation) => citation[1])
}

/**
 * READMEs of workspace packages that are missing, lack the `ADRs:` line or name no record. (A
 * named record without a file is reported by the citation check, with its line.) A package
 * without any source yet (a planned one) needs its README once its first source file lands.
 */
export function readmeProblems(root) {
  const problems = []
  const notes = []
  const dirs = README_GROUPS.flatMap((group) => packageDirs(root, group))
  for (const dir of dirs) {
    const file = `${dir}/README.md`
    if (!existsSync(join(root, file))) {
      if (listFiles(root, `${dir}/src`, () => true).length === 0) {
        notes.push(`${dir}: no README checked, the package has no source yet`)
      } else {
        problems.push({ file, message: 'missing: every package has a README with an "ADRs:" line' })
      }
      continue
    }
    const adrs = readmeAdrs(readFileSync(join(root, file), 'utf8'))
    if (adrs === undefined) problems.push({ file, message: 'no "ADRs: ADR-NNNN, ..." line' })
    else if (adrs.length === 0) problems.push({ file, message: 'the "ADRs:" line names no ADR-NNNN' })
  }
  return { problems, notes, count: dirs.length }
}
