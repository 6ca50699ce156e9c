// ADR-0001: runs one "table in a record vs code" comparison from the registry.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { adrId } from '../adr-records.mjs'
import { findTable, plainText } from '../markdown.mjs'
import { show } from './cell-values.mjs'

/**
 * Compares the table of `check` in its record with the values its code declares. Absent pieces
 * are reported as notes while nothing exists to compare, and as problems once one side exists
 * without the other: a record table without its code, or code that the record does not mirror.
 * `record` is { file, text } of the record, or undefined when it has no file yet.
 */
export async function driftProblems(root, check, record) {
  const id = adrId(check.adr)
  const label = `${id} ${check.what}`
  const sourceExists = existsSync(join(root, check.source))
  if (!record) {
    return { problems: [], notes: [`${label}: skipped, ${id} has no file yet`] }
  }
  const table = findTable(record.text, check.columns)
  if (!table) {
    const message = `no table with the columns | ${check.columns.join(' | ')} |`
    return sourceExists
      ? {
          problems: [{ file: record.file, message: `${message}, which must mirror ${check.source}` }],
          notes: [],
        }
      : { problems: [], notes: [`${label}: skipped, ${message} and no ${check.source} yet`] }
  }
  if (!sourceExists) {
    return {
      problems: [
        {
          file: record.file,
          line: table.line,
          message: `${label}: the table exists but ${check.source} does not`,
        },
      ],
      notes: [],
    }
  }
  const built = join(root, check.built)
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, check.source)).mtimeMs) {
    const state = existsSync(built) ? 'is older than' : 'is not built from'
    return {
      problems: [
        {
          file: check.built,
          message: `${label}: ${check.built} ${state} ${check.source}; build first (${check.buildHint}); npm test builds before this check`,
        },
      ],
      notes: [],
    }
  }
  let codeRows
  try {
    codeRows = check.rowsFromModule(await import(pathToFileURL(built).href))
  } catch (error) {
    return {
      problems: [{ file: check.built, message: `${label}: cannot read the code's values: ${error.message}` }],
      notes: [],
    }
  }
  return { problems: compareRows(check, record.file, table, codeRows), notes: [] }
}

/** Row-by-row, cell-by-cell comparison of a parsed table with the code's rows. */
export function compareRows(check, file, table, codeRows) {
  const problems = []
  const id = adrId(check.adr)
  const headers = table.header.map((cell) => plainText(cell).toLowerCase())
  const column = (name) => headers.indexOf(name.toLowerCase())
  const seen = new Set()
  for (const row of table.rows) {
    const key = plainText(row.cells[column(check.rowKey)] ?? '')
    const at = { file, line: row.line }
    if (seen.has(key)) {
      problems.push({ ...at, message: `${id}: ${check.rowKey} "${key}" appears twice in the table` })
      continue
    }
    seen.add(key)
    const code = codeRows.get(key)
    if (!code) {
      problems.push({
        ...at,
        message: `${id}: ${check.rowKey} "${key}" is in the table but not in ${check.source}`,
      })
      continue
    }
    let values = {}
    for (const [name, reader] of Object.entries(check.compared)) {
      const read = reader(row.cells[column(name)] ?? '')
      if (read.error)
        problems.push({ ...at, message: `${id}: ${check.rowKey} "${key}", ${name}: ${read.error}` })
      values[name] = read.value
    }
    values = check.completeRow ? check.completeRow(values) : values
    for (const [name, reader] of Object.entries(check.compared)) {
      const tableValue = values[name]
      if (tableValue === undefined) continue // unreadable cell, reported above
      if (tableValue !== code[name]) {
        problems.push({
          ...at,
          message: `${id}: ${check.rowKey} "${key}", ${name}: the table says ${show(tableValue, reader)}, ${check.source} says ${show(code[name], reader)}`,
        })
      }
    }
  }
  for (const key of codeRows.keys()) {
    if (!seen.has(key)) {
      problems.push({
        file,
        line: table.line,
        message: `${id}: ${check.rowKey} "${key}" of ${check.source} is missing from the table`,
      })
    }
  }
  return problems
}
