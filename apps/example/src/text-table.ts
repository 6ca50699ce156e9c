/**
 * Rows of cells as aligned plain-text columns (two spaces apart, trailing spaces trimmed), for
 * terminal reports. The first row is the header.
 */
export function formatTable(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length)
    })
  }
  return rows
    .map((row) =>
      `${indent}${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ')}`.trimEnd(),
    )
    .join('\n')
}
