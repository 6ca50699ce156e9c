export {
  LOADER_BUCKETS,
  LOCK_HOLD_BUCKETS,
  LOCK_WAIT_BUCKETS,
  REDIS_OPERATION_BUCKETS,
} from './buckets.js'
export {
  createRedlayerMetrics,
  type RedisErrorKind,
  type RedisOperationOutcome,
  type RedlayerMetrics,
  type RedlayerMetricsOptions,
} from './redlayer-metrics.js'
export { type SlowOperation, SlowOperationLog } from './slow-operations.js'
