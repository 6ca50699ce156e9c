/** Parses the text of an INFO reply into field -> value (section headers and blank lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1))
  }
  return fields
}

/** An integer INFO field, or null when it is absent or not a number. */
export function infoInteger(info: Map<string, string>, field: string): number | null {
  const value = info.get(field)
  if (value === undefined || !/^-?\d+$/.test(value)) return null
  return Number(value)
}
