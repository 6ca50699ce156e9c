// One of the processes of the cross-process stampede: a redlayer cache on the bench's server,
// told over IPC when to fire its callers at one missing key. Started by scenarios/stampede.ts.
import { createCache } from '@redlayer/cache'
import { createRedis, parseRedisConfig } from '@redlayer/connection'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { createRedisGuard } from '@redlayer/resilience'
import { benchKeyspace } from './bench-keyspace.js'

export interface ChildSetup {
  readonly url: string
  readonly runPrefix: string
  readonly distributed: boolean
}

export interface ChildFire {
  readonly type: 'fire'
  readonly key: string
  readonly callers: number
  readonly loaderMs: number
}

export interface ChildFired {
  readonly loaderCalls: number
  readonly elapsedMs: number
}

const setup = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildSetup
const redis = createRedis(parseRedisConfig({ url: setup.url }), { connectionName: 'bench-stampede-child' })
redis.on('error', () => undefined)
// ADR-0005: the instruments record every redlayer object of this process, as in an app.
createRedlayerMetrics()
const guard = createRedisGuard({ redis })
const cache = createCache({
  redis,
  keyspace: benchKeyspace(setup.runPrefix),
  namespace: 'cache',
  guard,
  ttl: '10m',
  ...(setup.distributed && { distributedSingleFlight: { leaseTtl: '5s', maxWait: '5s' } }),
})

async function fire(message: ChildFire): Promise<ChildFired> {
  let loaderCalls = 0
  const loader = async () => {
    loaderCalls++
    await new Promise((resolve) => setTimeout(resolve, message.loaderMs))
    return { key: message.key, loadedBy: process.pid }
  }
  const started = performance.now()
  await Promise.all(
    Array.from({ length: message.callers }, () => cache.getOrSet(['stampede', message.key], loader)),
  )
  return { loaderCalls, elapsedMs: performance.now() - started }
}

process.on('message', (message: ChildFire | { type: 'close' }) => {
  if (message.type === 'close') {
    void cache
      .close()
      .then(() => guard[Symbol.asyncDispose]())
      .finally(() => {
        redis.disconnect()
        process.disconnect?.()
      })
    return
  }
  fire(message).then(
    (result) => process.send?.({ type: 'fired', ...result }),
    (error: unknown) => process.send?.({ type: 'error', message: String(error) }),
  )
})

await cache.ready()
process.send?.({ type: 'ready' })
