// A separate Node process for the multi-process test: `callers` concurrent loops consume one token
// each from one subject until the deadline, then report what they were granted. Run with
// `node --conditions=@redlayer/source --import tsx`.
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, loadRedisConfig } from '@redlayer/connection'
import { createRedisGuard } from '@redlayer/resilience'
import { createRateLimiter, type LimitDefinition } from '../src/index.js'
import { testKeyspace } from './fixtures.js'

interface WorkerInput {
  redisEnv: Record<string, string>
  keyspacePrefix: string
  subject: string
  limit: LimitDefinition
  callers: number
  durationMs: number
  /** Shifts this process's Date.now(): the limiter must not care. */
  clockOffsetMs: number
}

export interface WorkerReport {
  admitted: number
  denied: number
  degraded: number
}

const input = JSON.parse(process.env.RATELIMIT_WORKER ?? '{}') as WorkerInput
const realNow = Date.now.bind(Date)
Date.now = () => realNow() + input.clockOffsetMs

// Generous timeouts: on a loaded test machine a timed-out call may still run in Redis afterwards,
// and the test counts every token taken.
const redis = createRedis(loadRedisConfig({ ...input.redisEnv, REDIS_COMMAND_TIMEOUT_MS: '10000' }))
const guard = createRedisGuard({ redis, commandTimeout: 20_000 })
const limiter = createRateLimiter({
  redis,
  keyspace: testKeyspace(input.keyspacePrefix),
  namespace: 'ratelimit',
  guard,
  limits: input.limit,
  onRedisDown: 'fail-closed',
})
// Connected and the script loaded before the start signal, so every process starts at once.
await limiter.peek(input.subject)
const send = (message: unknown) => process.send?.(message)
send({ ready: true })
await new Promise((resolve) => process.once('message', resolve))

const report: WorkerReport = { admitted: 0, denied: 0, degraded: 0 }
const deadline = performance.now() + input.durationMs
async function caller(): Promise<void> {
  while (performance.now() < deadline) {
    const result = await limiter.consume(input.subject)
    if (result.degraded !== false) report.degraded += 1
    if (result.allowed) report.admitted += 1
    else {
      report.denied += 1
      // Like a well-behaved client: wait as told (plus a little jitter, so that the callers of
      // one process do not all wake at once and the first one's denial serves the others).
      await sleep(result.retryAfterMs + Math.random() * 10)
    }
  }
}
await Promise.all(Array.from({ length: input.callers }, caller))
send({ report })
await guard[Symbol.asyncDispose]()
redis.disconnect()
process.disconnect?.()
