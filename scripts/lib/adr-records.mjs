// ADR-0001: the shape of a record and of the index, and the rules that keep them consistent.
import { findTable, hasContent, plainText, sections } from './markdown.mjs'

export const REQUIRED_SECTIONS = [
  'Context and Problem Statement',
  'Considered Options',
  'Decision Outcome',
  'Consequences',
  'Confirmation',
]
export const INDEX_COLUMNS = ['ADR', 'Title', 'Status']
export const RECORD_FILE = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/
export const NON_RECORD_FILES = new Set(['README.md', 'template.md'])

const STATUS = /^(proposed|accepted|deprecated|superseded by ADR-(\d{4}))$/
const TITLE = /^#\s+(\d{4})\.\s+(\S.*?)\s*$/

/** `ADR-0011` from 11 or '0011'. */
export function adrId(number) {
  return `ADR-${String(number).padStart(4, '0')}`
}

function isCalendarDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!match) return false
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return date.toISOString().slice(0, 10) === text
}

/**
 * Reads one record. Returns what it could read (number, title, status, date, supersededBy) and
 * the problems of its shape, each with a line number when it has one.
 */
export function parseRecord(fileName, text) {
  const problems = []
  const fileNumber = RECORD_FILE.exec(fileName)?.[1]
  const lines = text.split(/\r?\n/)
  const firstIndex = lines.findIndex((line) => line.trim() !== '')
  const title = TITLE.exec(lines[firstIndex] ?? '')
  const record = { file: fileName, number: fileNumber, title: undefined, status: undefined, date: undefined }
  if (!title) {
    problems.push({ line: firstIndex + 1, message: 'first line must be the title: "# NNNN. Title"' })
  } else {
    record.title = plainText(title[2])
    if (title[1] !== fileNumber) {
      problems.push({
        line: firstIndex + 1,
        message: `title number ${title[1]} does not match the file name number ${fileNumber}`,
      })
    }
  }
  // Status and Date lines belong to the header: before the first section.
  const firstSection = lines.findIndex((line) => /^##\s/.test(line))
  const header = lines.slice(0, firstSection === -1 ? lines.length : firstSection)
  const statusIndex = header.findIndex((line) => /^Status:/.test(line))
  if (statusIndex === -1) {
    problems.push({ message: 'no "Status:" line before the first section' })
  } else {
    const status = plainText(header[statusIndex].slice('Status:'.length))
    const match = STATUS.exec(status)
    if (!match) {
      problems.push({
        line: statusIndex + 1,
        message: `status "${status}" is not one of: proposed, accepted, deprecated, superseded by ADR-NNNN`,
      })
    } else {
      record.status = status
      if (match[2]) record.supersededBy = match[2]
    }
  }
  const dateIndex = header.findIndex((line) => /^Date:/.test(line))
  if (dateIndex === -1) {
    problems.push({ message: 'no "Date:" line before the first section' })
  } else {
    const date = header[dateIndex].slice('Date:'.length).trim()
    if (isCalendarDate(date)) record.date = date
    else problems.push({ line: dateIndex + 1, message: `date "${date}" is not a calendar date YYYY-MM-DD` })
  }
  problems.push(...sectionProblems(text))
  return { record, problems }
}

/** Missing, empty, duplicated or misordered required sections. */
export function sectionProblems(text) {
  const problems = []
  const found = sections(text)
  let previous = -1
  for (const name of REQUIRED_SECTIONS) {
    const matches = found.filter((section) => section.heading === name)
    if (matches.length === 0) {
      problems.push({ message: `missing section "## ${name}"` })
      continue
    }
    const [section] = matches
    if (matches.length > 1)
      problems.push({ line: matches[1].line, message: `section "## ${name}" appears twice` })
    if (!hasContent(section.body))
      problems.push({ line: section.line, message: `section "## ${name}" is empty` })
    const position = found.indexOf(section)
    if (position < previous) {
      problems.push({
        line: section.line,
        message: `section "## ${name}" is out of order (expected: ${REQUIRED_SECTIONS.join(', ')})`,
      })
    }
    previous = Math.max(previous, position)
  }
  return problems
}

/**
 * Compares the index table (adr/README.md) with the records read from the files: every record
 * listed exactly once, in number order, with its file link, exact title and exact status.
 */
export function indexProblems(indexText, records) {
  const table = findTable(indexText, INDEX_COLUMNS)
  if (!table) return [{ message: `no index table with the columns | ${INDEX_COLUMNS.join(' | ')} |` }]
  const problems = []
  const byNumber = new Map(records.map((record) => [record.number, record]))
  const listed = new Map()
  let previousNumber = ''
  for (const row of table.rows) {
    const [adrCell, titleCell, statusCell] = row.cells
    const link = adrCell?.link
    const number = /^\d{4}$/.test(link?.text ?? '') ? link.text : undefined
    if (!link || !number) {
      problems.push({ line: row.line, message: 'ADR cell must be a link "[NNNN](NNNN-title.md)"' })
      continue
    }
    if (listed.has(number)) {
      problems.push({
        line: row.line,
        message: `${adrId(number)} is listed twice (also line ${listed.get(number)})`,
      })
      continue
    }
    listed.set(number, row.line)
    if (number < previousNumber)
      problems.push({ line: row.line, message: `${adrId(number)} is out of number order` })
    previousNumber = number
    const record = byNumber.get(number)
    if (!record) {
      problems.push({ line: row.line, message: `${adrId(number)} is listed but adr/ has no file for it` })
      continue
    }
    if (link.target !== record.file) {
      problems.push({
        line: row.line,
        message: `${adrId(number)} links to "${link.target}", the file is "${record.file}"`,
      })
    }
    const title = titleCell?.text ?? ''
    if (record.title !== undefined && title !== record.title) {
      problems.push({
        line: row.line,
        message: `${adrId(number)} title "${title}" differs from the file's "${record.title}"`,
      })
    }
    const status = statusCell?.text ?? ''
    if (record.status !== undefined && status !== record.status) {
      problems.push({
        line: row.line,
        message: `${adrId(number)} status "${status}" differs from the file's "${record.status}"`,
      })
    }
  }
  for (const record of records) {
    if (!listed.has(record.number)) {
      problems.push({ message: `${adrId(record.number)} (${record.file}) is missing from the index` })
    }
  }
  return problems
}
