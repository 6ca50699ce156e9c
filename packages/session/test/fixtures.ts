import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createRedis, loadRedisConfig, type RedisClient } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { createRedisGuard } from '@redlayer/resilience'
import type { Topology } from '@redlayer/testkit'
import { createSessionStore, type SessionStoreOptions } from '../src/index.js'

/** A keyspace of its own per test (a random app prefix), with a chat-session and an HTTP-session namespace. */
export function testKeyspace() {
  return defineKeyspace({
    prefix: `t${randomBytes(4).toString('hex')}`,
    namespaces: {
      session: {
        prefix: 'session',
        description: 'chat sessions',
        ttl: { default: '30m', min: '100ms', max: '24h', mode: 'sliding' },
        flushClass: 'disruptive',
        whenRedisDown: 'fail-closed',
      },
      http: {
        prefix: 'session:http',
        description: 'express-session sessions',
        ttl: { default: '1h', min: '1s', max: '24h', mode: 'sliding' },
        flushClass: 'disruptive',
        whenRedisDown: 'fail-closed',
      },
    },
  })
}

export type TestKeyspace = ReturnType<typeof testKeyspace>

/** A fast-failing client, guard, metrics and store on a topology; dispose with `await using`. */
export type { Topology }

export async function sessionFixture(
  topology: Topology,
  options: Partial<Omit<SessionStoreOptions<'session' | 'http'>, 'redis' | 'keyspace' | 'namespace'>> = {},
  commandTimeoutMs = 300,
) {
  const redis: RedisClient = createRedis(
    loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs) }),
  )
  // Ready, not a PING: a set-up command must not race the fast-fail command timeout on a busy machine.
  if (redis.status !== 'ready') await once(redis, 'ready')
  const keyspace = testKeyspace()
  const metrics = createRedlayerMetrics()
  const guard = createRedisGuard({ redis, resetTimeout: 200 })
  let store: ReturnType<typeof createSessionStore<'session' | 'http'>>
  try {
    store = createSessionStore({ redis, keyspace, namespace: 'session', guard, ...options })
  } catch (error) {
    await guard[Symbol.asyncDispose]()
    metrics.close()
    redis.disconnect()
    throw error
  }
  return {
    redis,
    keyspace,
    metrics,
    guard,
    store,
    async [Symbol.asyncDispose]() {
      await guard[Symbol.asyncDispose]()
      metrics.close()
      redis.disconnect()
    },
  }
}
