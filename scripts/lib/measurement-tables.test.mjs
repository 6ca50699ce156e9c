import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { formatMeasurements, markdownTable, readMeasurements } from './measurement-tables.mjs'

describe('measurement tables', () => {
  const dirs = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const resultsDir = (files) => {
    const dir = mkdtempSync(join(tmpdir(), 'redlayer-measurements-'))
    dirs.push(dir)
    for (const [name, lines] of Object.entries(files))
      writeFileSync(join(dir, name), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`)
    return dir
  }

  it('groups the rows of every worker file by table, in measured order', () => {
    const dir = resultsDir({
      '1.jsonl': [{ table: 'a', at: '2026-01-01T00:00:02Z', row: { n: 2 } }],
      '2.jsonl': [
        { table: 'a', at: '2026-01-01T00:00:01Z', row: { n: 1 } },
        { table: 'b', at: '2026-01-01T00:00:03Z', row: { m: 'x' } },
      ],
      'ignored.txt': [{ table: 'c', at: '', row: {} }],
    })
    expect(Object.fromEntries(readMeasurements(dir))).toEqual({ a: [{ n: 1 }, { n: 2 }], b: [{ m: 'x' }] })
  })

  it('prints Markdown with every column, a dash for missing cells and escaped pipes', () => {
    expect(
      markdownTable([
        { a: 1, b: 'x|y' },
        { a: 2, c: true },
      ]),
    ).toBe(['| a | b | c |', '|---|---|---|', '| 1 | x\\|y | - |', '| 2 | - | true |'].join('\n'))
    const dir = resultsDir({ '1.jsonl': [{ table: 'failover', at: '1', row: { ms: 5 } }] })
    expect(formatMeasurements(dir)).toBe('### failover\n\n| ms |\n|---|\n| 5 |')
  })
})
