import { RedlayerError } from '@redlayer/connection'

/** Every code the cache throws. Callers branch on these with `isRedlayerError(error, code)`. */
export type CacheErrorCode =
  | 'E_INVALID_OPTIONS'
  | 'E_INVALID_ID'
  | 'E_INVALID_VALUE'
  | 'E_LOADER_TIMEOUT'
  | 'E_CACHE_CLOSED'

export function cacheError(
  code: CacheErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): RedlayerError<CacheErrorCode> {
  return new RedlayerError(code, message, options)
}
