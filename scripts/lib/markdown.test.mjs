import { describe, expect, it } from 'vitest'
import { findTable, firstLink, hasContent, plainText, sections, splitRow, tables } from './markdown.mjs'

describe('tables', () => {
  it('reads header, rows with their line numbers, and escaped pipes', () => {
    const text = ['intro', '', '| a | b |', '|---|:--:|', '| 1 | x \\| y |', '| `2` | z |', '', 'after'].join(
      '\n',
    )
    expect(tables(text)).toEqual([
      {
        header: ['a', 'b'],
        line: 3,
        rows: [
          { cells: ['1', 'x | y'], line: 5 },
          { cells: ['`2`', 'z'], line: 6 },
        ],
      },
    ])
  })

  it('ignores tables inside code fences and lines that are not followed by a separator', () => {
    const text = ['```', '| a | b |', '|---|---|', '```', '| not | a table |', 'text'].join('\n')
    expect(tables(text)).toEqual([])
  })

  it('finds a table by its exact header, ignoring case and inline formatting', () => {
    const text = ['| x | y |', '|---|---|', '', '| **ADR** | `Title` |', '|---|---|', '| 1 | t |'].join('\n')
    expect(findTable(text, ['ADR', 'Title'])?.rows).toEqual([{ cells: ['1', 't'], line: 6 }])
    expect(findTable(text, ['ADR'])).toBeUndefined()
  })

  it('splits a row without outer pipes', () => {
    expect(splitRow('a | b')).toEqual(['a', 'b'])
  })
})

describe('sections', () => {
  it('lists level-2 headings outside fences with their bodies', () => {
    const text = ['# T', '## One', 'body', '```', '## not a heading', '```', '## Two ##', ''].join('\n')
    const found = sections(text)
    expect(found.map((section) => [section.heading, section.line])).toEqual([
      ['One', 2],
      ['Two', 7],
    ])
    expect(found[0]?.body).toContain('## not a heading')
  })

  it('counts HTML comments and blank lines as no content', () => {
    expect(hasContent('\n<!-- fill me -->\n  \n')).toBe(false)
    expect(hasContent('<!-- c --> text')).toBe(true)
  })
})

describe('inline text', () => {
  it('reduces links, code and emphasis to their text', () => {
    expect(plainText('superseded by [ADR X](x.md)')).toBe('superseded by ADR X')
    expect(plainText('`cache:query` **safe** _fail-open_')).toBe('cache:query safe fail-open')
    expect(plainText('cache_query')).toBe('cache_query')
  })

  it('reads the first link of a cell', () => {
    expect(firstLink('[0001](0001-a.md) and [b](c.md)')).toEqual({ text: '0001', target: '0001-a.md' })
    expect(firstLink('0001')).toBeUndefined()
  })
})
