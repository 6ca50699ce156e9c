import { describe, expect, it } from 'vitest'
import { adrId, indexProblems, parseRecord } from './adr-records.mjs'
import { recordText } from './test-support.mjs'

const messages = (problems) => problems.map((problem) => problem.message)

describe('parseRecord', () => {
  it('reads a well-formed record', () => {
    const { record, problems } = parseRecord('0007-use-a-thing.md', recordText())
    expect(problems).toEqual([])
    expect(record).toMatchObject({
      number: '0007',
      title: 'Use a thing',
      status: 'accepted',
      date: '2026-11-22',
    })
  })

  it('reads a superseded status, also written as a link', () => {
    const status = `superseded by [${adrId(9)}](0009-other.md)`
    const { record, problems } = parseRecord('0007-use-a-thing.md', recordText({ status }))
    expect(problems).toEqual([])
    expect(record.status).toBe(`superseded by ${adrId(9)}`)
    expect(record.supersededBy).toBe('0009')
  })

  it('reports a missing section, a bad status and an impossible date', () => {
    const text = recordText({ status: 'done', date: '2026-02-30', omit: ['Confirmation'] })
    expect(messages(parseRecord('0007-use-a-thing.md', text).problems)).toEqual([
      'status "done" is not one of: proposed, accepted, deprecated, superseded by ADR-NNNN',
      'date "2026-02-30" is not a calendar date YYYY-MM-DD',
      'missing section "## Confirmation"',
    ])
  })

  it('reports missing Status and Date lines, and a title whose number differs from the file', () => {
    const text = recordText({ number: '0008' })
      .replace(/^Status:.*\n/m, '')
      .replace(/^Date:.*\n/m, '')
    expect(messages(parseRecord('0007-use-a-thing.md', text).problems)).toEqual([
      'title number 0008 does not match the file name number 0007',
      'no "Status:" line before the first section',
      'no "Date:" line before the first section',
    ])
  })

  it('reports a missing title line', () => {
    const text = recordText().replace(/^# .*$/m, 'Use a thing')
    expect(messages(parseRecord('0007-use-a-thing.md', text).problems)).toContain(
      'first line must be the title: "# NNNN. Title"',
    )
  })

  it('reports empty and misordered sections with their lines', () => {
    const empty = recordText().replace('Text of Consequences.', '<!-- later -->')
    expect(parseRecord('0007-a.md', empty).problems).toEqual([
      { line: 18, message: 'section "## Consequences" is empty' },
    ])
    const swapped = recordText()
      .replace('## Considered Options', '## Tmp')
      .replace('## Context and Problem Statement', '## Considered Options')
      .replace('## Tmp', '## Context and Problem Statement')
    expect(messages(parseRecord('0007-a.md', swapped).problems)).toEqual([
      expect.stringMatching(/^section "## Considered Options" is out of order/),
    ])
  })
})

describe('indexProblems', () => {
  const records = [
    { number: '0001', file: '0001-first.md', title: 'First', status: 'accepted' },
    { number: '0002', file: '0002-second.md', title: 'Second', status: `superseded by ${adrId(3)}` },
    { number: '0003', file: '0003-third.md', title: 'Third', status: 'proposed' },
  ]
  const index = (rows) => ['# Index', '', '| ADR | Title | Status |', '|---|---|---|', ...rows].join('\n')
  const good = [
    '| [0001](0001-first.md) | First | accepted |',
    `| [0002](0002-second.md) | Second | superseded by [${adrId(3)}](0003-third.md) |`,
    '| [0003](0003-third.md) | Third | proposed |',
  ]

  it('accepts an index that lists every record with its title and status', () => {
    expect(indexProblems(index(good), records)).toEqual([])
  })

  it('reports missing, unknown, duplicated, misordered and mismatched rows', () => {
    const rows = [
      '| [0003](0003-third.md) | Third! | accepted |',
      '| [0001](0001-frist.md) | First | accepted |',
      '| [0001](0001-first.md) | First | accepted |',
      '| [0004](0004-fourth.md) | Fourth | accepted |',
      '| 0005 | Fifth | accepted |',
    ]
    expect(indexProblems(index(rows), records)).toEqual([
      { line: 5, message: `${adrId(3)} title "Third!" differs from the file's "Third"` },
      { line: 5, message: `${adrId(3)} status "accepted" differs from the file's "proposed"` },
      { line: 6, message: `${adrId(1)} is out of number order` },
      { line: 6, message: `${adrId(1)} links to "0001-frist.md", the file is "0001-first.md"` },
      { line: 7, message: `${adrId(1)} is listed twice (also line 6)` },
      { line: 8, message: `${adrId(4)} is listed but adr/ has no file for it` },
      { line: 9, message: 'ADR cell must be a link "[NNNN](NNNN-title.md)"' },
      { message: `${adrId(2)} (0002-second.md) is missing from the index` },
    ])
  })

  it('reports an index without the table', () => {
    expect(indexProblems('# Index\n\nnothing here\n', records)).toEqual([
      { message: 'no index table with the columns | ADR | Title | Status |' },
    ])
  })
})
