import type { OptionValues } from './command.js'
import { usageError } from './usage-error.js'

/** A whole-number option in [min, max], or `undefined` when absent; anything else is a usage error. */
export function integerOption(
  values: OptionValues,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}
