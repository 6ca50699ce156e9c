import { RedlayerError } from '@redlayer/connection'

const UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const
type Unit = keyof typeof UNITS
const DESCENDING: readonly Unit[] = ['TiB', 'GiB', 'MiB', 'KiB', 'B']
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)$/

/** Reads `'256 MiB'`, `'1.5 GiB'`, `'512 B'` (binary units) as a whole number of bytes. */
export function parseByteSize(input: string): number {
  const match = SIZE.exec(input.trim())
  if (!match) {
    throw new RedlayerError(
      'E_INVALID_BYTE_SIZE',
      `invalid byte size ${JSON.stringify(input.slice(0, 40))}`,
      {
        details: { expected: 'a number and one of B, KiB, MiB, GiB, TiB' },
      },
    )
  }
  return Math.round(Number(match[1]) * UNITS[match[2] as Unit])
}

/** Formats bytes in the largest binary unit that divides them exactly: 268435456 -> `'256 MiB'`. */
export function formatByteSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RedlayerError('E_INVALID_BYTE_SIZE', 'expected a non-negative integer of bytes')
  }
  const unit = DESCENDING.find((candidate) => bytes > 0 && bytes % UNITS[candidate] === 0) ?? 'B'
  return `${bytes / UNITS[unit]} ${unit}`
}
