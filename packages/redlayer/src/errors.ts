/**
 * The codes the entry point throws; the packages it hands out throw their own
 * (`CACHE_ERROR_CODES`, `LOCK_ERROR_CODES`, ...).
 */
export const REDLAYER_ERROR_CODES = [
  /** A missing client, or options for an object that already exists. */
  'E_INVALID_OPTIONS',
  /** The entry point was closed. */
  'E_REDLAYER_CLOSED',
] as const

export type RedlayerErrorCode = (typeof REDLAYER_ERROR_CODES)[number]
