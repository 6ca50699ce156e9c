import table from 'text-table'

/** Left-aligned columns two spaces apart (text-table), trailing spaces trimmed; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  return table(
    rows.map((row) => [...row]),
    { hsep: '  ' },
  )
}

/** `label  value` lines with the labels padded to one width. */
export function formatFields(fields: readonly (readonly [string, string])[], indent = ''): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length))
  return fields.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n')
}
