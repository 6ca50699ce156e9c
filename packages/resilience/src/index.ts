export { DEGRADATION_MODES, type DegradationMode } from '@redlayer/connection'
export { GUARD_ERROR_CODES, type GuardErrorCode } from './errors.js'
export { GUARD_DEFAULTS, type RedisGuardOptions, type ResolvedRedisGuardOptions } from './guard-options.js'
export type {
  BreakerState,
  RedisGuard,
  RedisRefusal,
  RunOptions,
  SharedRun,
  StateChange,
  UnavailableReason,
} from './guard-types.js'
export {
  isRedisFailure,
  isRedisUnavailableError,
  REDIS_UNAVAILABLE_CODES,
  type RedisFailure,
  type RedisOutcome,
  redisFailureKind,
  redisFailureOf,
} from './redis-failure.js'
export { createRedisGuard, PROBE_OPERATION } from './redis-guard.js'
export { sharedRedisGuard } from './shared-guard.js'
