// The Markdown the ADR check reads, through marked's lexer (GFM): level-2 sections and pipe
// tables outside code, with the line each starts on, and the plain text of inline Markdown.
import { Lexer, lexer } from 'marked'

const lineOf = (text, offset) => text.slice(0, offset).split('\n').length

/** The top-level tokens of a document, each with the 1-based line it starts on. */
function blocks(text) {
  let offset = 0
  return lexer(text).map((token) => {
    const line = lineOf(text, offset)
    offset += token.raw.length
    return { token, line }
  })
}

/** The plain text of inline tokens: links, code and emphasis reduced to their text. */
function plain(tokens) {
  return tokens
    .map((token) => (token.tokens ? plain(token.tokens) : (token.text ?? '')))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The plain text of a line of inline Markdown. */
export function plainText(source) {
  return plain(Lexer.lexInline(source))
}

/** The level-2 sections (`## Heading`), each with its line and body text (up to the next one). */
export function sections(text) {
  const found = []
  for (const { token, line } of blocks(text)) {
    if (token.type === 'heading' && token.depth === 2)
      found.push({ heading: plain(token.tokens), line, body: '' })
    else if (found.length > 0) found.at(-1).body += token.raw
  }
  return found
}

/** True when a section body holds something besides whitespace and HTML comments. */
export function hasContent(body) {
  return body.replace(/<!--[\s\S]*?-->/g, '').trim() !== ''
}

/**
 * The table whose header, as plain text, is exactly `columns` (case aside): its rows, each with
 * its line and cells `{ text, link }` (`link`: the cell's first link, `{ text, target }`).
 */
export function findTable(text, columns) {
  const wanted = columns.map((column) => column.toLowerCase())
  const cell = ({ tokens }) => {
    const link = tokens.find((token) => token.type === 'link')
    return { text: plain(tokens), link: link && { text: plain(link.tokens), target: link.href } }
  }
  for (const { token, line } of blocks(text)) {
    if (token.type !== 'table' || token.header.length !== wanted.length) continue
    if (!token.header.every((header, i) => plain(header.tokens).toLowerCase() === wanted[i])) continue
    return { line, rows: token.rows.map((row, i) => ({ line: line + 2 + i, cells: row.map(cell) })) }
  }
  return undefined
}
