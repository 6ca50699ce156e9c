import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { lexer, type Token, type Tokens } from 'marked'

const ADR_DIR = fileURLToPath(new URL('../../../adr/', import.meta.url))

/** The plain text of inline Markdown tokens: code, emphasis and links reduced to their text. */
function plain(tokens: readonly Token[]): string {
  return tokens
    .map((token) =>
      'tokens' in token && token.tokens ? plain(token.tokens) : 'text' in token ? token.text : '',
    )
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * ADR-0001: the rows of the table in record `adr` (`'0011'`) whose header is exactly `columns`,
 * as plain text by column name, so that a test can compare a record's table with the code it
 * mirrors. Throws when the record or the table is not there.
 */
export function adrTable(adr: string, columns: readonly string[]): Record<string, string>[] {
  const file = readdirSync(ADR_DIR).find((name) => name.startsWith(`${adr}-`))
  if (file === undefined) throw new Error(`no adr/${adr}-*.md`)
  const tables = lexer(readFileSync(join(ADR_DIR, file), 'utf8')).filter(
    (token): token is Tokens.Table => token.type === 'table',
  )
  const table = tables.find(
    (candidate) =>
      candidate.header.length === columns.length &&
      candidate.header.every((cell, index) => plain(cell.tokens) === columns[index]),
  )
  if (table === undefined) throw new Error(`adr/${file} has no table | ${columns.join(' | ')} |`)
  return table.rows.map((row) =>
    Object.fromEntries(columns.map((name, i) => [name, plain(row[i]?.tokens ?? [])])),
  )
}
