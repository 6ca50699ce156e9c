import { describe, expect, it } from 'vitest'
import { findTable, hasContent, plainText, sections } from './markdown.mjs'

describe('findTable', () => {
  it('finds a table by its plain header, with the line of each row, its plain cells and first links', () => {
    const text = [
      'intro',
      '',
      '| **ADR** | `Title` |',
      '|---|:--:|',
      '| [1](a.md) | x \\| y |',
      '| 2 | z |',
    ].join('\n')
    expect(findTable(text, ['adr', 'title'])).toEqual({
      line: 3,
      rows: [
        {
          line: 5,
          cells: [
            { text: '1', link: { text: '1', target: 'a.md' } },
            { text: 'x | y', link: undefined },
          ],
        },
        {
          line: 6,
          cells: [
            { text: '2', link: undefined },
            { text: 'z', link: undefined },
          ],
        },
      ],
    })
    expect(findTable(text, ['ADR'])).toBeUndefined()
  })

  it('ignores a table inside a code fence', () => {
    expect(findTable(['```', '| a | b |', '|---|---|', '```'].join('\n'), ['a', 'b'])).toBeUndefined()
  })
})

describe('sections', () => {
  it('lists level-2 headings outside fences with their lines and bodies', () => {
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

describe('plainText', () => {
  it('reduces links, code and emphasis to their text', () => {
    expect(plainText('superseded by [ADR X](x.md)')).toBe('superseded by ADR X')
    expect(plainText('`cache:query` **safe** _fail-open_')).toBe('cache:query safe fail-open')
    expect(plainText('cache_query')).toBe('cache_query')
  })
})
