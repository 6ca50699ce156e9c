export { freePort } from './free-port.js'
export { redisServerBinary } from './redis-binary.js'
export { RedisProcess, type RedisProcessOptions, startRedis } from './redis-process.js'
