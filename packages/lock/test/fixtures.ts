import { randomBytes } from 'node:crypto'
import {
  type CreateRedisOverrides,
  createRedis,
  loadRedisConfig,
  type RedisClient,
} from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createRedlayerMetrics, type RedlayerMetrics } from '@redlayer/metrics'
import { createRedisGuard, type RedisGuard } from '@redlayer/resilience'
import { type TopologyKind, type TopologyOf, useTopology } from '@redlayer/testkit'
import { afterAll, beforeAll } from 'vitest'
import { createLockManager, type LockDefaults, type LockManager } from '../src/index.js'

/** A keyspace like an application's: the lock namespace is forbidden to flush and fails closed. */
export function lockKeyspace(prefix = `t${randomBytes(6).toString('hex')}`) {
  return defineKeyspace({
    prefix,
    namespaces: {
      lock: {
        prefix: 'lock',
        description: 'distributed locks and their fencing counters',
        ttl: { default: '30s', min: '50ms', max: '5m' },
        flushClass: 'forbidden',
        whenRedisDown: 'fail-closed',
        adr: 'ADR-0030',
      },
      cache: {
        prefix: 'cache',
        description: 'a namespace a lock manager must refuse',
        ttl: { default: '1m' },
        flushClass: 'safe',
        whenRedisDown: 'bypass',
      },
    },
  })
}

/** Opens a client for the topology's environment and waits until it is ready (bounded). */
export async function openClient(
  env: Record<string, string>,
  overrides?: CreateRedisOverrides,
): Promise<RedisClient> {
  const client = createRedis(loadRedisConfig(env), overrides)
  client.on('error', () => undefined) // reconnect noise while a server is paused or killed
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client not ready (status ${client.status})`)), 20_000)
      timer.unref()
      client.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  return client
}

/**
 * A topology of `kind` for a describe block and one client on it with room for a busy machine (a
 * 2 s command timeout), closed before the topology stops. Both are readable inside its tests.
 */
export function useLockTopology<K extends TopologyKind>(
  kind: K,
): { readonly topology: TopologyOf<K>; readonly redis: RedisClient } {
  const topology = useTopology(kind)
  let client: RedisClient | undefined
  beforeAll(async () => {
    client = await openClient({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '2000' })
  })
  afterAll(() => {
    client?.disconnect()
    client = undefined
  })
  return {
    topology,
    get redis() {
      if (client === undefined)
        throw new Error('the client is only available inside a test of its describe block')
      return client
    },
  }
}

export interface LockFixture extends AsyncDisposable {
  readonly locks: LockManager<'lock' | 'cache'>
  readonly metrics: RedlayerMetrics
  readonly guard: RedisGuard
  readonly keyspace: ReturnType<typeof lockKeyspace>
}

/** A lock manager in a fresh application prefix, with its own guard and metrics. */
export function lockFixture(redis: RedisClient, defaults: LockDefaults = {}): LockFixture {
  const keyspace = lockKeyspace()
  const metrics = createRedlayerMetrics()
  const guard = createRedisGuard({ redis })
  const locks = createLockManager({ redis, keyspace, namespace: 'lock', guard, ...defaults })
  return {
    locks,
    metrics,
    guard,
    keyspace,
    [Symbol.asyncDispose]: async () => {
      await locks.close()
      await guard[Symbol.asyncDispose]()
      metrics.close()
    },
  }
}

/** The value of a counter or gauge sample with exactly these labels (0 when absent). */
export async function sample(
  metrics: RedlayerMetrics,
  metric: keyof RedlayerMetrics,
  labels: Record<string, string>,
) {
  const instrument = metrics[metric] as unknown as {
    get(): Promise<{ values: { labels: object; value: number }[] }>
  }
  const { values } = await instrument.get()
  const wanted = JSON.stringify(Object.entries(labels).sort())
  return values.find((v) => JSON.stringify(Object.entries(v.labels).sort()) === wanted)?.value ?? 0
}

/** Records every unhandled rejection of this worker, so a test can assert there were none. */
export function trackUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = []
  const listener = (reason: unknown) => seen.push(reason)
  process.on('unhandledRejection', listener)
  return { seen, stop: () => process.off('unhandledRejection', listener) }
}

/** Redis TIME in microseconds, as a bigint: every fence issued after it is at least this (ADR-0030). */
export async function redisMicros(redis: RedisClient): Promise<bigint> {
  const [seconds, micros] = await redis.time()
  return BigInt(seconds ?? 0) * 1_000_000n + BigInt(micros ?? 0)
}
