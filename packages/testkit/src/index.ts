export type { NodeAddress } from './admin-client.js'
export { CONFIG_DIR, type SharedConfigName, sharedConfig } from './config-files.js'
export { freePort, freePorts } from './free-port.js'
export { redisServerBinary } from './redis-binary.js'
export { RedisProcess, type RedisProcessOptions, startRedis } from './redis-process.js'
export {
  SentinelGroup,
  type SentinelGroupOptions,
  startSentinelGroup,
  type WaitOptions,
} from './sentinel-group.js'
