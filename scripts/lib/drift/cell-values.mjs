// How the cells of a table that mirrors code are read, so that the record can be written for
// people ('5m', '64 MiB', '-') and still be compared with the values the code declares. Each
// reader returns { value } or { error }; `value` is null for an empty cell ('-', '—', 'none').
import { plainText } from '../markdown.mjs'

const ABSENT = new Set(['', '-', '—', '–', 'none', 'n/a'])
const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION_TERM = /(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)(?![a-z])\s*/y
const BYTE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }
const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)$/

const isAbsent = (text) => ABSENT.has(text.toLowerCase())

/** Plain text, compared as written (backticks, links and emphasis removed). */
export function text(cell) {
  return { value: plainText(cell) }
}

/** A duration: one or more terms like '500ms', '30s', '5m', '1h30m', '7d'; '-' when absent. */
export function duration(cell) {
  const source = plainText(cell)
  if (isAbsent(source)) return { value: null }
  let total = 0
  DURATION_TERM.lastIndex = 0
  while (DURATION_TERM.lastIndex < source.length) {
    const match = DURATION_TERM.exec(source)
    if (!match)
      return { error: `cannot read "${source}" as a duration (write e.g. 500ms, 30s, 5m, 1h30m, 7d or -)` }
    total += Number(match[1]) * DURATION_UNITS[match[2]]
  }
  return { value: Math.round(total) }
}

/** A byte size in binary units: '512 KiB', '64 MiB', '1 GiB'; '-' when absent. */
export function bytes(cell) {
  const source = plainText(cell)
  if (isAbsent(source)) return { value: null }
  const match = BYTE_SIZE.exec(source)
  if (!match)
    return { error: `cannot read "${source}" as a byte size (write e.g. 512 KiB, 64 MiB, 1 GiB or -)` }
  return { value: Math.round(Number(match[1]) * BYTE_UNITS[match[2]]) }
}

/** A value for a message: durations and sizes shown with their unit. */
export function show(value, reader) {
  if (value === null || value === undefined) return '-'
  if (reader === duration) return `${value} ms`
  if (reader === bytes) return `${value} bytes`
  return JSON.stringify(value)
}
