import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, parseRedisConfig, type RedisClient } from '@redlayer/connection'
import type { Registry } from 'prom-client'
import type { RedisGuard } from '../src/index.js'

/** A fast-fail client (ADR-0010 defaults from createRedis) with a 200 ms command timeout, ready. */
export async function connect(url: string, commandTimeoutMs = 200): Promise<RedisClient> {
  const client = createRedis(parseRedisConfig({ url, commandTimeoutMs }), {
    connectionName: 'resilience-test',
  })
  client.on('error', () => {}) // connection errors are expected here; the guard sees them per call
  if (client.status !== 'ready') await once(client, 'ready')
  return client
}

/** Resolves on the guard's next `event`, or fails after `timeoutMs`. */
export async function waitForEvent(
  guard: RedisGuard,
  event: 'open' | 'halfOpen' | 'close',
  timeoutMs: number,
) {
  await once(guard as unknown as NodeJS.EventEmitter, event, { signal: AbortSignal.timeout(timeoutMs) })
}

/** Polls `predicate` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}

/** One sample of a metric, by name and labels (0 when absent). */
export async function sample(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const base = name.replace(/_(count|sum|bucket)$/, '')
  const metric = registry.getSingleMetric(base)
  if (!metric) throw new Error(`no metric ${base}`)
  const { values } = await metric.get()
  const wanted = name === base ? undefined : name
  return values
    .filter((v) => wanted === undefined || (v as { metricName?: string }).metricName === wanted)
    .filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    .reduce((sum, v) => sum + v.value, 0)
}

/** Collects unhandled rejections during a suite; `assertNone()` fails the test when there was one. */
export function collectUnhandledRejections() {
  const seen: unknown[] = []
  const onRejection = (reason: unknown) => seen.push(reason)
  return {
    start: () => process.on('unhandledRejection', onRejection),
    stop: () => process.off('unhandledRejection', onRejection),
    assertNone: () => {
      if (seen.length > 0) throw new Error(`unhandled rejection(s): ${seen.map(String).join('; ')}`)
    },
  }
}
