// Bytes for people, shared by the server (health report) and the status page in the browser: plain
// JavaScript that both load as an ES module (types in memory-size.d.ts), so they show one format.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Bytes for people, one decimal above 1 KiB: `1536` -> `'1.5 KiB'`, `268435456` -> `'256 MiB'`. */
export function formatMemory(bytes) {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const shown = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1)
  return `${shown} ${UNITS[unit]}`
}
