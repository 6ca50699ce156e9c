// ADR-0001: code and docs cite records by number; every cited number must have a file.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { listFiles } from './repo-files.mjs'

export const CODE_DIRS = ['packages', 'apps', 'bench', 'scripts']
export const CODE_FILE = /\.(?:ts|mts|cts|mjs|cjs|js|lua)$/
export const CITATION = /\bADR-(\d{4})\b/g

/** The files whose citations are checked: code under CODE_DIRS and every Markdown file. */
export function citingFiles(root) {
  const code = CODE_DIRS.flatMap((dir) => listFiles(root, dir, (name) => CODE_FILE.test(name)))
  const docs = listFiles(root, '.', (name) => name.endsWith('.md'))
  return [...new Set([...code, ...docs])].sort()
}

/** Every `ADR-NNNN` in `text`, with its line number. */
export function findCitations(text) {
  const found = []
  text.split(/\r?\n/).forEach((line, index) => {
    for (const match of line.matchAll(CITATION)) found.push({ number: match[1], line: index + 1 })
  })
  return found
}

/** Citations of records that have no file, per file and line; and how many citations were read. */
export function citationProblems(root, recordNumbers) {
  const problems = []
  let count = 0
  const files = citingFiles(root)
  for (const file of files) {
    for (const citation of findCitations(readFileSync(join(root, file), 'utf8'))) {
      count++
      if (!recordNumbers.has(citation.number)) {
        problems.push({
          file,
          line: citation.line,
          message: `cites ADR-${citation.number}, which has no file in adr/`,
        })
      }
    }
  }
  return { problems, count, files: files.length }
}
