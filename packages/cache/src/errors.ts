import { RedlayerError } from '@redlayer/connection'

/**
 * Every code the cache throws (a `fail-closed` namespace adds the guard's `E_REDIS_UNAVAILABLE`).
 * Callers branch on these with `isRedlayerError(error, code)`.
 */
export const CACHE_ERROR_CODES = [
  'E_INVALID_OPTIONS',
  'E_INVALID_ID',
  'E_INVALID_VALUE',
  'E_LOADER_TIMEOUT',
  'E_CACHE_CLOSED',
] as const

export type CacheErrorCode = (typeof CACHE_ERROR_CODES)[number]

export function cacheError(
  code: CacheErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): RedlayerError<CacheErrorCode> {
  return new RedlayerError(code, message, options)
}
