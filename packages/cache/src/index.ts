export {
  type BatchLoader,
  Cache,
  type CacheStats,
  type ClearOptions,
  type ClearResult,
  createCache,
  type GetOptions,
  type GetOrSetOptions,
  type Loader,
  type LoaderContext,
  type SetOptions,
  type WriteResult,
} from './cache.js'
export type { CacheId } from './cache-id.js'
export { CACHE_ERROR_CODES, type CacheErrorCode } from './errors.js'
export type {
  CacheOptions,
  DistributedSingleFlightOptions,
  L1Options,
} from './options.js'
export { jsonSerializer, type Serializer } from './serializer.js'
