// The measured tables of `npm run test:failover` (ADR-0015): the failover tests append one JSON
// line per measured row ({ table, at, row }) to files in a results directory; this reads them
// back and prints each table as Markdown, ready to paste into the ADR.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Every row of every `*.jsonl` file in `dir`, grouped by table, in the order they were measured. */
export function readMeasurements(dir) {
  const rows = readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line)),
    )
    .sort((a, b) => String(a.at).localeCompare(String(b.at)))
  const tables = new Map()
  for (const { table, row } of rows) {
    if (typeof table !== 'string' || typeof row !== 'object' || row === null) continue
    if (!tables.has(table)) tables.set(table, [])
    tables.get(table).push(row)
  }
  return tables
}

/** One Markdown table: the columns of every row in first-seen order, `-` where a row has none. */
export function markdownTable(rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const cell = (value) => (value === undefined || value === '' ? '-' : String(value).replaceAll('|', '\\|'))
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => cell(row[column])).join(' | ')} |`),
  ].join('\n')
}

/** Every table of `dir` under a `### name` heading. */
export function formatMeasurements(dir) {
  return [...readMeasurements(dir)]
    .map(([table, rows]) => `### ${table}\n\n${markdownTable(rows)}`)
    .join('\n\n')
}
