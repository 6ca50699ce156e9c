import { cacheError } from './errors.js'

/**
 * Turns a value into bytes and back. The cache stores whatever `serialize` returns, compressed
 * above the threshold, behind its own header (ADR-0021); `deserialize` receives exactly those bytes.
 */
export interface Serializer {
  serialize(value: unknown): Uint8Array
  deserialize(bytes: Uint8Array): unknown
}

// ADR-0021: a Date becomes `{"$date": iso}`. A user's own object key starting with `$` is written
// with one more `$` and restored on read, so no stored object can be mistaken for a Date.
const DATE_KEY = '$date'

function escapeKeys(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) out[key.startsWith('$') ? `$${key}` : key] = value
  return out
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before `toJSON` ran: the only place a Date is still a Date.
  const raw = this[key]
  if (raw instanceof Date) {
    const time = raw.getTime()
    return { [DATE_KEY]: Number.isNaN(time) ? null : raw.toISOString() }
  }
  if (typeof value === 'bigint') {
    throw cacheError('E_INVALID_VALUE', 'a bigint cannot be cached by the JSON serializer')
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    for (const name in object) {
      if (name.startsWith('$')) return escapeKeys(object)
    }
  }
  return value
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const object = value as Record<string, unknown>
  let escaped = false
  for (const name in object) {
    if (name === DATE_KEY) {
      const iso = object[DATE_KEY]
      return new Date(typeof iso === 'string' ? iso : Number.NaN)
    }
    if (name.startsWith('$')) escaped = true
  }
  if (!escaped) return value
  const out: Record<string, unknown> = {}
  for (const [name, inner] of Object.entries(object)) out[name.startsWith('$') ? name.slice(1) : name] = inner
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * The default serializer: JSON plus `Date` (valid or invalid) at any depth. `null` is a value like
 * any other. As in JSON, `undefined` object properties are dropped and `undefined` array items
 * read back as `null`; a top-level `undefined`, a bigint, a function or a symbol is refused.
 */
export const jsonSerializer: Serializer = {
  serialize(value) {
    const text = JSON.stringify(value, replacer)
    if (text === undefined) {
      throw cacheError('E_INVALID_VALUE', `a value of type ${typeof value} cannot be cached as JSON`)
    }
    return encoder.encode(text)
  },
  deserialize(bytes) {
    const text = decoder.decode(bytes)
    // Fast path: without a `"$` in the text there is neither a Date nor an escaped key to restore.
    return text.includes('"$') ? JSON.parse(text, reviver) : JSON.parse(text)
  },
}
