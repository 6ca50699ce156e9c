export { type CombinedResult, consumeAll, type LimitPart } from './combined.js'
export { RATELIMIT_ERROR_CODES, type RateLimitErrorCode } from './errors.js'
export { type RateLimitHeaders, rateLimitHeaders } from './headers.js'
export type { LimitDefinition, ResolvedLimit } from './limit.js'
export type { RateLimiterOptions, ResolvedRateLimiterOptions } from './options.js'
export { type ConsumeOptions, createRateLimiter, RateLimiter } from './rate-limiter.js'
export type {
  LimitStatus,
  RateLimitBlock,
  RateLimitDegradation,
  RateLimitResult,
  RedisDownMode,
} from './result.js'
