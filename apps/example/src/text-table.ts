import table from 'text-table'

/**
 * Rows of cells as aligned plain-text columns (text-table: two spaces apart, trailing spaces
 * trimmed), each line indented, for terminal reports. The first row is the header.
 */
export function formatTable(rows: readonly (readonly string[])[], indent = '  '): string {
  return table(
    rows.map((row) => [...row]),
    { hsep: '  ' },
  ).replace(/^/gm, indent)
}
