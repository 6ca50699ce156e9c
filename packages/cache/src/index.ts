export { Cache, createCache } from './cache.js'
export type { CacheId } from './cache-id.js'
export { CACHE_ERROR_CODES, type CacheErrorCode } from './errors.js'
export type { CacheOptions, DistributedSingleFlightOptions, L1Options } from './options.js'
export { jsonSerializer, type Serializer } from './serializer.js'
export type {
  BatchLoader,
  CacheStats,
  ClearOptions,
  ClearResult,
  GetOptions,
  GetOrSetOptions,
  InvalidateOptions,
  Loader,
  LoaderContext,
  SetOptions,
  WriteResult,
} from './types.js'
