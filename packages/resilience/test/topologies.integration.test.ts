import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, loadRedisConfig, type RedisClient } from '@redlayer/connection'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisGuard } from '../src/index.js'
import { collectUnhandledRejections, sample, until } from './fixtures.js'

const rejections = collectUnhandledRejections()
beforeAll(rejections.start)
afterAll(rejections.stop)
afterEach(rejections.assertNone)

// ADR-0015: the same guard, unchanged, in front of a standalone server, a Sentinel group and a
// Cluster. Every process of the topology is stopped at once (SIGSTOP), like a frozen host.
describe.each(topologiesFromEnv())('the guard on %s', (kind) => {
  let topology: Topology
  let redis: RedisClient

  beforeAll(async () => {
    topology = await startTopology(kind)
    redis = createRedis(loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '250' }))
    redis.on('error', () => {})
    await redis.ping()
  })
  afterAll(async () => {
    redis?.disconnect()
    await topology?.[Symbol.asyncDispose]()
  })

  it('derives its backstop from the connection command timeout', async () => {
    await using guard = createRedisGuard({ redis })
    expect(guard.options.commandTimeoutMs).toBe(1000)
    const slow = createRedis(loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '800' }), {
      connectionName: 'resilience-slow',
    })
    try {
      await using slowGuard = createRedisGuard({ redis: slow })
      expect(slowGuard.options.commandTimeoutMs).toBe(1600)
    } finally {
      slow.disconnect()
    }
  })

  it('opens while every process is stopped, short-circuits, and closes by its probe after SIGCONT', async () => {
    using metrics = createRedlayerMetrics()
    await using guard = createRedisGuard({ redis, volumeThreshold: 3, resetTimeout: 300 })
    const key = `resilience:${kind}:calls`
    const call = () => guard.run<number | string>('test.incr', () => redis.incr(key), { fallback: (r) => r })
    expect(await call()).toBeTypeOf('number')
    for (const process of topology.processes) process.pause()
    try {
      const outcomes: (number | string)[] = []
      for (let i = 0; i < 40 && guard.state === 'closed'; i++) outcomes.push(await call())
      expect(guard.state).toBe('open')
      expect(outcomes).toContain('timeout')
      for (let i = 0; i < 20; i++) {
        const started = performance.now()
        expect(await call()).toBe('open')
        expect(performance.now() - started).toBeLessThan(50)
      }
    } finally {
      for (const process of topology.processes) process.resume()
    }
    await until(() => guard.state === 'closed', 30_000, 'the probe to close the breaker')
    // A cluster or a Sentinel group may still be settling after the freeze: retry briefly.
    let value: number | string = 'open'
    for (let i = 0; i < 100 && typeof value !== 'number'; i++) {
      value = await call()
      if (typeof value !== 'number') await sleep(100)
    }
    expect(value).toBeTypeOf('number')
    const count = 'redlayer_redis_operation_duration_seconds_count'
    expect(
      await sample(metrics.registry, count, { operation: 'breaker.probe', outcome: 'ok' }),
    ).toBeGreaterThan(0)
    expect(await sample(metrics.registry, 'redlayer_breaker_short_circuits_total')).toBeGreaterThanOrEqual(20)
  })

  it('counts a server-side script error as a pass-through, never a failure', async () => {
    await using guard = createRedisGuard({ redis, volumeThreshold: 1 })
    const key = `resilience:${kind}:text`
    await guard.run('test.set', () => redis.set(key, 'text'))
    for (let i = 0; i < 5; i++) {
      await expect(guard.run('test.incr', () => redis.incr(key))).rejects.toThrow(/not an integer/)
    }
    expect(guard.state).toBe('closed')
  })
})
