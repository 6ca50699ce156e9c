// SCAN MATCH uses glob-style patterns: `*`, `?`, `[...]`, and `\` escapes the next character.
const GLOB_SPECIAL = /[*?[\]\\]/g

/** Escapes `text` so that it matches itself, literally, in a SCAN MATCH pattern. */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, '\\$&')
}
