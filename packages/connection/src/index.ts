export { closeRedis } from './close-redis.js'
export {
  type ClusterConfig,
  type ConfigProblem,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_URL,
  DEFAULT_SENTINEL_NAME,
  loadRedisConfig,
  parseRedisConfig,
  REDIS_ENV_VARIABLES,
  REDIS_MODES,
  type RedisConfig,
  type RedisConfigInput,
  type RedisMode,
  redisConfigSchema,
  type SentinelConfig,
  type StandaloneConfig,
} from './config.js'
export {
  type CreateRedisOverrides,
  createRedis,
  duplicateForBlocking,
  mastersOf,
  type RedisClient,
} from './create-redis.js'
export { DEGRADATION_MODES, type DegradationMode, isDegradationMode } from './degradation.js'
export { describeRedisConfig, redactRedisUrl } from './describe.js'
export { type Duration, durationSchema, formatDuration, parseDuration } from './duration.js'
export { CONNECTION_ERROR_CODES, type ConnectionErrorCode } from './error-codes.js'
export { isRedlayerError, RedlayerError } from './errors.js'
export {
  type CheckRedisHealthOptions,
  checkRedisHealth,
  type RedisHealth,
  type RedisNodeHealth,
} from './health.js'
export { formatHostPort, type HostPort } from './host-port.js'
export { type ClientReadiness, clientReadiness, superviseRedis } from './supervise.js'
