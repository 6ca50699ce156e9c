import { z } from 'zod'
import { RedlayerError } from './errors.js'

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
type Unit = keyof typeof UNIT_MS
const UNITS_DESCENDING: readonly Unit[] = ['d', 'h', 'm', 's', 'ms']
// One or more `<number><unit>` terms, largest unit first by convention: '30s', '1h30m', '1.5h', '250ms'.
const TERM = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y
const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/

/** A duration at the edge of the API: milliseconds, or a string such as `'30s'`, `'5m'`, `'1h30m'`. */
export type Duration = number | string

function invalid(input: unknown, why: string): RedlayerError<'E_INVALID_DURATION'> {
  const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 40)) : String(input)
  return new RedlayerError('E_INVALID_DURATION', `invalid duration ${shown}: ${why}`, {
    details: { why },
  })
}

/**
 * Converts a duration to whole milliseconds. Numbers are milliseconds; strings are one or more
 * `<number><unit>` terms with units `ms`, `s`, `m`, `h`, `d` (`'90s'`, `'1h30m'`, `'0.5s'`), or a
 * bare number of milliseconds (`'250'`). Negative, non-finite and empty inputs throw
 * `E_INVALID_DURATION`; a fractional result is rounded to the nearest millisecond.
 */
export function parseDuration(input: Duration): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw invalid(input, 'not a finite number')
    if (input < 0) throw invalid(input, 'negative')
    return Math.round(input)
  }
  if (typeof input !== 'string') throw invalid(input, 'expected milliseconds or a string like "5m"')
  const text = input.trim()
  if (text === '') throw invalid(input, 'empty')
  if (PLAIN_NUMBER.test(text)) return Math.round(Number(text))
  let total = 0
  TERM.lastIndex = 0
  while (TERM.lastIndex < text.length) {
    const match = TERM.exec(text)
    if (!match) throw invalid(input, 'expected terms like "500ms", "30s", "5m", "24h", "7d"')
    total += Number(match[1]) * UNIT_MS[match[2] as Unit]
  }
  if (!Number.isFinite(total)) throw invalid(input, 'too large')
  return Math.round(total)
}

/**
 * Formats milliseconds as the shortest exact duration string (`300000` -> `'5m'`,
 * `5400000` -> `'1h30m'`, `1500` -> `'1s500ms'`, `0` -> `'0ms'`); `parseDuration` reads it back.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw invalid(ms, 'expected a non-negative integer of milliseconds')
  if (ms === 0) return '0ms'
  let rest = ms
  let out = ''
  for (const unit of UNITS_DESCENDING) {
    const size = UNIT_MS[unit]
    const count = Math.floor(rest / size)
    if (count > 0) {
      out += `${count}${unit}`
      rest -= count * size
    }
  }
  return out
}

/**
 * A `Duration` option in a zod schema (issue 14: one form of duration in every package): a number
 * of milliseconds or a string such as `'30s'`, parsed to whole milliseconds; with `min`, shorter
 * ones are refused (`'must be at least …'`).
 */
export function durationSchema({ min = 0 }: { min?: number } = {}) {
  return z
    .union([z.number(), z.string()], { error: 'must be a duration: milliseconds, or a string such as "30s"' })
    .transform((value, ctx) => {
      try {
        return parseDuration(value)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    })
    .refine(
      (ms) => ms >= min,
      min <= 1 ? 'must be more than 0 ms' : `must be at least ${formatDuration(min)}`,
    )
}
