// The little Markdown the ADR check needs: lines outside code fences, level-2 sections, pipe
// tables, and the plain text of a table cell. Deliberately small: ADRs are written by us, in
// the shape ADR-0001 describes, so this reads that shape and reports anything else as a problem.

/** The lines of a document with their 1-based numbers, and whether each lies inside a ``` fence. */
export function documentLines(text) {
  let fenced = false
  return text.split(/\r?\n/).map((content, index) => {
    const fence = /^\s*(```|~~~)/.test(content)
    const line = { number: index + 1, text: content, fenced: fenced || fence }
    if (fence) fenced = !fenced
    return line
  })
}

/** The level-2 sections (`## Heading`) outside code fences, each with its body text. */
export function sections(text) {
  const lines = documentLines(text)
  const found = []
  for (const line of lines) {
    const heading = line.fenced ? null : /^##\s+(.+?)\s*#*\s*$/.exec(line.text)
    if (heading) {
      found.push({ heading: heading[1], line: line.number, body: [] })
    } else if (found.length > 0) {
      found.at(-1).body.push(line.text)
    }
  }
  return found.map(({ heading, line, body }) => ({ heading, line, body: body.join('\n') }))
}

/** True when a section body holds something besides whitespace and HTML comments. */
export function hasContent(body) {
  return body.replace(/<!--[\s\S]*?-->/g, '').trim() !== ''
}

/** Splits one table row on unescaped pipes: `| a | b\|c |` -> ['a', 'b|c']. */
export function splitRow(row) {
  const cells = []
  let cell = ''
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]
    if (char === '\\' && inner[i + 1] === '|') {
      cell += '|'
      i++
    } else if (char === '|') {
      cells.push(cell.trim())
      cell = ''
    } else {
      cell += char
    }
  }
  cells.push(cell.trim())
  return cells
}

const SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/

/**
 * Every pipe table outside code fences: its header cells, its rows (cells and line number) and
 * the line of its header.
 */
export function tables(text) {
  const lines = documentLines(text)
  const found = []
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i]
    const separator = lines[i + 1]
    if (header.fenced || !header.text.trim().startsWith('|') || !SEPARATOR.test(separator.text)) continue
    const rows = []
    let j = i + 2
    while (j < lines.length && !lines[j].fenced && lines[j].text.trim().startsWith('|')) {
      rows.push({ cells: splitRow(lines[j].text), line: lines[j].number })
      j++
    }
    found.push({ header: splitRow(header.text), rows, line: header.number })
    i = j - 1
  }
  return found
}

/** The table whose header, as plain lower-case text, is exactly `columns`; undefined when none. */
export function findTable(text, columns) {
  const wanted = columns.map((column) => column.toLowerCase())
  return tables(text).find(
    (table) =>
      table.header.length === wanted.length &&
      table.header.every((cell, index) => plainText(cell).toLowerCase() === wanted[index]),
  )
}

/** The plain text of inline Markdown: links become their text, code/bold/italic marks go. */
export function plainText(cell) {
  return cell
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(^|\W)[*_](\S(?:.*?\S)?)[*_](?=\W|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The first link of a cell: `[0001](0001-x.md)` -> { text: '0001', target: '0001-x.md' }. */
export function firstLink(cell) {
  const match = /\[([^\]]*)\]\(([^)\s]+)\)/.exec(cell)
  return match ? { text: match[1].trim(), target: match[2] } : undefined
}
