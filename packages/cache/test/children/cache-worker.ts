// One "other process" for the cross-process tests: a cache on the topology given in the env,
// driven over IPC by the test. Exits when the parent goes.
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, loadRedisConfig } from '@redlayer/connection'
import { createCache } from '../../src/index.js'
import { testKeyspace } from '../fixtures.js'

const redis = createRedis(loadRedisConfig(process.env))
redis.on('error', () => {})
const keyspace = testKeyspace({ prefix: process.env.CACHE_TEST_PREFIX })
const cache = createCache({
  redis,
  keyspace,
  namespace: 'entity',
  l1: true,
  distributedSingleFlight: { maxWait: '10s' },
})

type Request =
  | { id: string; type: 'ready' }
  | { id: string; type: 'get'; key: string }
  | { id: string; type: 'load'; key: string; counter: string; delayMs: number }
  | { id: string; type: 'watch'; key: string; old: unknown; timeoutMs: number }

process.on('disconnect', () => process.exit(0))
process.on('message', async (request: Request) => {
  try {
    const result = await handle(request)
    process.send?.({ id: request.id, result })
  } catch (error) {
    process.send?.({ id: request.id, error: (error as Error).stack ?? String(error) })
  }
})

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'ready':
      await cache.ready(AbortSignal.timeout(10_000))
      return true
    case 'get':
      return cache.get(request.key)
    case 'load':
      // The loader counts its calls in Redis, so the test sees calls from every process.
      return cache.getOrSet(request.key, async () => {
        await redis.incr(request.counter)
        await sleep(request.delayMs)
        return `loaded by ${process.pid}`
      })
    case 'watch': {
      // Reads until the value differs from `old`; reports when (epoch ms, sub-ms precision).
      // The test measures the window from its write to this moment. Bounded by timeoutMs.
      const deadline = Date.now() + request.timeoutMs
      let reads = 0
      while (Date.now() < deadline) {
        const value = await cache.get(request.key)
        reads++
        if (value !== request.old) return { at: performance.timeOrigin + performance.now(), reads, value }
        await new Promise((resolve) => setImmediate(resolve))
      }
      throw new Error('the old value was still served at the deadline')
    }
  }
}

process.send?.({ id: 'started' })
