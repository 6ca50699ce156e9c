// A registry-wide symbol marks redlayer errors, so that two copies of a package agree.
const BRAND = Symbol.for('@redlayer/error')

/**
 * The one error class every redlayer package throws. `code` is stable and documented; it is
 * what callers branch on, never the message. Packages add their own codes (`E_LOCK_TIMEOUT`,
 * `E_FLUSH_FORBIDDEN`...) by passing them to this class or to a subclass.
 */
export class RedlayerError<Code extends string = string> extends Error {
  override readonly name: string = 'RedlayerError'
  readonly code: Code
  /** Structured facts about the failure (never secrets, keys or user ids). */
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: Code,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = Object.freeze({ ...options.details })
    Object.defineProperty(this, BRAND, { value: true })
  }
}

/**
 * True when `error` is a redlayer error, optionally with one of the given codes. It checks the
 * brand and the code rather than `instanceof`, so two copies of a package (two versions in one
 * node_modules tree) still agree.
 */
export function isRedlayerError<Code extends string>(
  error: unknown,
  ...codes: Code[]
): error is RedlayerError<Code> {
  if (typeof error !== 'object' || error === null || !(BRAND in error)) return false
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (codes.length === 0 || (codes as string[]).includes(code))
}
