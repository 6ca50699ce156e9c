// ADR-0001: the whole ADR check over one repository root. Returns every problem (file, line,
// message) and notes (a package without sources yet); never throws for a problem in the
// repository. The tables of a record that mirror code are compared by tests beside that code
// (`*.adr.test.ts`, ADR-0006), not here.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  adrId,
  indexProblems,
  NON_RECORD_FILES,
  parseRecord,
  RECORD_FILE,
  sectionProblems,
} from './adr-records.mjs'
import { citationProblems } from './citations.mjs'
import { readmeProblems } from './package-readmes.mjs'

export function checkAdrs(root) {
  const problems = []
  const notes = []
  const add = (file) => (problem) => problems.push({ file, ...problem })

  const adrDir = join(root, 'adr')
  const entries = existsSync(adrDir)
    ? readdirSync(adrDir, { withFileTypes: true }).filter((e) => e.isFile())
    : []
  if (!existsSync(adrDir)) problems.push({ file: 'adr/', message: 'the adr/ directory is missing' })

  const records = []
  for (const { name } of entries) {
    const file = `adr/${name}`
    if (NON_RECORD_FILES.has(name)) continue
    if (!RECORD_FILE.test(name)) {
      problems.push({
        file,
        message: 'not a record name (adr/NNNN-kebab-title.md), nor README.md or template.md',
      })
      continue
    }
    const text = readFileSync(join(adrDir, name), 'utf8')
    const { record, problems: found } = parseRecord(name, text)
    found.forEach(add(file))
    const twin = records.find((other) => other.number === record.number)
    if (twin) problems.push({ file, message: `${adrId(record.number)} is also adr/${twin.file}` })
    records.push(record)
  }
  records.sort((a, b) => a.file.localeCompare(b.file))
  const numbers = new Set(records.map((record) => record.number))

  for (const record of records) {
    if (record.supersededBy === record.number) {
      problems.push({ file: `adr/${record.file}`, message: 'a record cannot supersede itself' })
    } else if (record.supersededBy && !numbers.has(record.supersededBy)) {
      problems.push({
        file: `adr/${record.file}`,
        message: `superseded by ${adrId(record.supersededBy)}, which has no file in adr/`,
      })
    }
  }

  const template = join(adrDir, 'template.md')
  if (existsSync(template)) sectionProblems(readFileSync(template, 'utf8')).forEach(add('adr/template.md'))
  else problems.push({ file: 'adr/template.md', message: 'missing: new records start from the template' })

  const index = join(adrDir, 'README.md')
  if (existsSync(index)) indexProblems(readFileSync(index, 'utf8'), records).forEach(add('adr/README.md'))
  else problems.push({ file: 'adr/README.md', message: 'missing: the index of records' })

  const citations = citationProblems(root, numbers)
  problems.push(...citations.problems)

  const readmes = readmeProblems(root)
  problems.push(...readmes.problems)
  notes.push(...readmes.notes)

  return {
    problems,
    notes,
    summary: {
      records: records.length,
      citations: citations.count,
      citingFiles: citations.files,
      readmes: readmes.count,
    },
  }
}

/** One line per problem: `file:line: message`, in file order. */
export function formatProblems(problems) {
  return [...problems]
    .sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0))
    .map((problem) => `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`)
}
