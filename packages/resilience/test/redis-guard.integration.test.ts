import { setTimeout as sleep } from 'node:timers/promises'
import { isRedlayerError } from '@redlayer/connection'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { startRedis } from '@redlayer/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisGuard, GUARD_DEFAULTS, PROBE_OPERATION, type UnavailableReason } from '../src/index.js'
import { collectUnhandledRejections, connect, sample, until, waitForEvent } from './fixtures.js'

const rejections = collectUnhandledRejections()
beforeAll(rejections.start)
afterAll(rejections.stop)
afterEach(rejections.assertNone)

describe('createRedisGuard against a real redis-server', () => {
  it('passes results through and records every run', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    using metrics = createRedlayerMetrics()
    await using guard = createRedisGuard({ redis })
    try {
      expect(guard.state).toBe('closed')
      await expect(guard.run('test.set', () => redis.set('k', 'v'))).resolves.toBe('OK')
      await expect(guard.run('test.get', () => redis.get('k'))).resolves.toBe('v')
      const count = 'redlayer_redis_operation_duration_seconds_count'
      expect(await sample(metrics.registry, count, { operation: 'test.get', outcome: 'ok' })).toBe(1)
      expect(await sample(metrics.registry, 'redlayer_breaker_state', { breaker: 'redis' })).toBe(0)
    } finally {
      redis.disconnect()
    }
  })

  it("never opens on the caller's own errors or on script errors from bad arguments", async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    redis.defineCommand('incrByArg', {
      numberOfKeys: 1,
      lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    })
    const incrByArg = (key: string, by: string) =>
      (redis as unknown as { incrByArg(k: string, b: string): Promise<number> }).incrByArg(key, by)
    using metrics = createRedlayerMetrics()
    await using guard = createRedisGuard({ redis, volumeThreshold: 2 })
    let fallbacks = 0
    const fallback = () => {
      fallbacks++
      return -1
    }
    try {
      await redis.set('text', 'not-a-number')
      for (let i = 0; i < 20; i++) {
        const own = new Error('the caller failed')
        await expect(guard.run('test.own', () => Promise.reject(own), { fallback })).rejects.toBe(own)
        await expect(guard.run('test.script', () => incrByArg('n', 'x'), { fallback })).rejects.toThrow(
          /ERR|not an integer/,
        )
        await expect(
          guard.run('test.wrongtype', () => redis.lpush('text', 'x'), { fallback }),
        ).rejects.toThrow(/^WRONGTYPE/)
        await expect(
          guard.run('test.sync', () => {
            throw new TypeError('synchronous throw')
          }),
        ).rejects.toThrow(TypeError)
      }
      expect(guard.state).toBe('closed')
      expect(fallbacks).toBe(0)
      expect(await sample(metrics.registry, 'redlayer_breaker_transitions_total')).toBe(0)
      expect(
        await sample(metrics.registry, 'redlayer_redis_errors_total', { operation: 'test.script' }),
      ).toBe(20)
      expect(await sample(metrics.registry, 'redlayer_redis_errors_total', { kind: 'other' })).toBe(40)
      expect(await sample(metrics.registry, 'redlayer_redis_errors_total', { operation: 'test.own' })).toBe(0)
      await expect(guard.run('test.incr', () => incrByArg('n', '2'))).resolves.toBe(2)
    } finally {
      redis.disconnect()
    }
  })

  it('does not open on a single failure: it needs the volume threshold', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    // The percentage rule alone: the run rule (tested below) would open it after 5 in a row.
    await using guard = createRedisGuard({
      redis,
      volumeThreshold: 10,
      consecutiveFailures: 100,
      resetTimeout: 60_000,
    })
    try {
      await server.kill()
      await until(() => redis.status !== 'ready', 5_000, 'the client to see the connection drop')
      const reasons: (string | null)[] = []
      for (let i = 0; i < 9; i++) {
        reasons.push(
          await guard.run<string | null>('test.get', () => redis.get('k'), { fallback: (reason) => reason }),
        )
      }
      expect(reasons).toEqual(Array(9).fill('error'))
      expect(guard.state).toBe('closed')
      await guard.run('test.get', () => redis.get('k'), { fallback: (reason) => reason })
      expect(guard.state).toBe('open')
    } finally {
      redis.disconnect()
    }
  })

  it('a run of consecutive failures opens it whatever the window holds (the hang rule, ADR-0013)', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    await using guard = createRedisGuard({ redis, volumeThreshold: 1000, resetTimeout: 60_000 })
    try {
      // A long healthy stretch first: 200 successes that the percentage over the window would weigh.
      for (let i = 0; i < 200; i++) await guard.run('test.get', () => redis.get('k'))
      await server.kill()
      await until(() => redis.status !== 'ready', 5_000, 'the client to see the connection drop')
      const fallback = (reason: string) => reason
      for (let i = 1; i < GUARD_DEFAULTS.consecutiveFailures; i++) {
        await expect(guard.run<string | null>('test.get', () => redis.get('k'), { fallback })).resolves.toBe(
          'error',
        )
        expect(guard.state).toBe('closed')
      }
      await expect(guard.run<string | null>('test.get', () => redis.get('k'), { fallback })).resolves.toBe(
        'error',
      )
      expect(guard.state).toBe('open')
    } finally {
      redis.disconnect()
    }
  })

  it('opens on the first call that timed out while nothing else got an answer (a hang)', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    const admin = await connect(server.url)
    await using guard = createRedisGuard({ redis, volumeThreshold: 1000, resetTimeout: 60_000 })
    try {
      for (let i = 0; i < 200; i++) await guard.run('test.get', () => redis.get('k'))
      await admin.call('CLIENT', 'PAUSE', '3000', 'ALL')
      const fallback = (reason: string) => reason
      // Three callers at once, as three packages of one request would be: each waits at most one
      // command timeout, and the next call after them short-circuits without touching the socket.
      const paused = performance.now()
      const reasons = await Promise.all(
        [1, 2, 3].map(() => guard.run<string | null>('test.get', () => redis.get('k'), { fallback })),
      )
      const openedAfterMs = performance.now() - paused
      expect(reasons).toEqual(['timeout', 'timeout', 'timeout'])
      expect(guard.state).toBe('open')
      // Reported, not asserted (a busy machine): about one command timeout (200 ms here).
      console.info(`[guard] open ${openedAfterMs.toFixed(0)} ms after the hang began`)
      let called = false
      const started = performance.now()
      const next = await guard.run<string | null>(
        'test.get',
        async () => {
          called = true
          return redis.get('k')
        },
        { fallback },
      )
      expect(next).toBe('open')
      expect(called).toBe(false)
      expect(performance.now() - started).toBeLessThan(50)
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined)
      admin.disconnect()
      redis.disconnect()
    }
  })

  it('probes as soon as the client is ready again, not at the next reset timer', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    // A reset timer of a minute: only the ready probe can close it within the test.
    await using guard = createRedisGuard({ redis, resetTimeout: 60_000 })
    try {
      await server.kill()
      await until(() => redis.status !== 'ready', 5_000, 'the client to see the connection drop')
      for (let i = 0; i < GUARD_DEFAULTS.consecutiveFailures; i++) {
        await guard.run('test.get', () => redis.get('k'), { fallback: () => null })
      }
      expect(guard.state).toBe('open')
      await server.restart()
      await until(() => redis.status === 'ready', 20_000, 'the client to reconnect')
      const readyAt = performance.now()
      await until(() => guard.state === 'closed', 10_000, 'the breaker to close after the ready probe')
      console.log(`[guard] closed ${(performance.now() - readyAt).toFixed(1)} ms after the client was ready`)
      await expect(guard.run('test.ping', () => redis.ping())).resolves.toBe('PONG')
    } finally {
      redis.disconnect()
    }
  })

  it('throws E_REDIS_UNAVAILABLE with the cause when there is no fallback, at once while open', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    await using guard = createRedisGuard({ redis, volumeThreshold: 2, resetTimeout: 60_000 })
    try {
      await server.kill()
      await until(() => redis.status !== 'ready', 5_000, 'the client to see the connection drop')
      const failed = await guard.run('test.get', () => redis.get('k')).catch((error: unknown) => error)
      expect(isRedlayerError(failed, 'E_REDIS_UNAVAILABLE')).toBe(true)
      expect((failed as Error).cause).toBeInstanceOf(Error)
      expect((failed as { details: unknown }).details).toMatchObject({
        operation: 'test.get',
        reason: 'error',
      })
      await guard.run('test.get', () => redis.get('k')).catch(() => undefined)
      expect(guard.state).toBe('open')
      let called = false
      const open = await guard
        .run('test.get', async () => {
          called = true
          return redis.get('k')
        })
        .catch((error: unknown) => error)
      expect(called).toBe(false)
      expect(isRedlayerError(open, 'E_REDIS_UNAVAILABLE')).toBe(true)
      expect((open as { details: unknown }).details).toMatchObject({ reason: 'open', state: 'open' })
    } finally {
      redis.disconnect()
    }
  })

  it('SIGSTOP under a stream of calls: fallbacks, opens, fast short-circuits, then the PING probe closes it', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    const admin = await connect(server.url)
    using metrics = createRedlayerMetrics()
    await using guard = createRedisGuard({ redis, volumeThreshold: 5, resetTimeout: 300 })
    const transitions: string[] = []
    guard.on('stateChange', ({ from, to }) => transitions.push(`${from}->${to}`))
    let sent = 0
    let sentWhileNotClosed = 0
    const call = () =>
      guard.run<number | string>(
        'test.incr',
        () => {
          sent++
          if (guard.state !== 'closed') sentWhileNotClosed++
          return redis.incr('calls')
        },
        {
          fallback: (reason, error) => {
            if (error instanceof Error) failures.push(error.message)
            return `fallback:${reason}`
          },
        },
      )
    const failures: string[] = []
    try {
      // A stream: a call every 5 ms, bounded in count and time.
      const results: Promise<number | string>[] = []
      const streamDurations: number[] = []
      const timed = () => {
        const started = performance.now()
        return call().finally(() => streamDurations.push(performance.now() - started))
      }
      let streaming = true
      const producer = (async () => {
        for (let i = 0; i < 2_000 && streaming; i++) {
          results.push(timed())
          await sleep(5)
        }
      })()
      await sleep(100)
      server.pause()
      await waitForEvent(guard, 'open', 5_000)
      streaming = false
      await producer

      // Open: the fallback at once, without calling fn.
      const sentBefore = sent
      const durations: number[] = []
      for (let i = 0; i < 50 && guard.state === 'open'; i++) {
        const started = performance.now()
        expect(await call()).toBe('fallback:open')
        durations.push(performance.now() - started)
      }
      expect(durations.length).toBeGreaterThan(0)
      expect(Math.max(...durations)).toBeLessThan(50)
      expect(sent).toBe(sentBefore)

      // The probe keeps failing while the server is stopped: the breaker re-opens.
      await waitForEvent(guard, 'halfOpen', 5_000)
      // Half-open with the PING probe in flight (it hangs until the command timeout): user calls
      // still get the fallback and never reach the socket.
      expect(guard.state).toBe('half-open')
      expect(await call()).toBe('fallback:open')
      expect(sent).toBe(sentBefore)
      await waitForEvent(guard, 'open', 5_000)
      expect(guard.state).toBe('open')

      server.resume()
      await waitForEvent(guard, 'close', 5_000)
      expect(await call()).toBeTypeOf('number')

      const settled = await Promise.all(results)
      expect(settled.filter((r) => typeof r === 'number').length).toBeGreaterThan(0)
      expect(settled).toContain('fallback:timeout')
      // While closed, the connection's 200 ms command timeout bounded each call (never the guard's
      // 1 s backstop): every failure is ioredis's timeout, every call ended well before 1 s.
      expect(new Set(failures)).toEqual(new Set(['Command timed out']))
      expect(Math.max(...streamDurations)).toBeLessThan(900)
      expect(sentWhileNotClosed).toBe(0)
      // Every INCR the server ever executed came from a call the guard let through: none while open.
      expect(Number(await admin.get('calls'))).toBe(sent)
      const commandStats = await admin.info('commandstats')
      expect(commandStats).toMatch(/cmdstat_ping:calls=[1-9]/)

      expect(transitions.slice(0, 4)).toEqual([
        'closed->open',
        'open->half-open',
        'half-open->open',
        'open->half-open',
      ])
      expect(transitions.at(-1)).toBe('half-open->closed')
      const reg = metrics.registry
      expect(await sample(reg, 'redlayer_breaker_state', { breaker: 'redis' })).toBe(0)
      expect(await sample(reg, 'redlayer_breaker_transitions_total', { from: 'closed', to: 'open' })).toBe(1)
      expect(
        await sample(reg, 'redlayer_breaker_transitions_total', { from: 'half-open', to: 'closed' }),
      ).toBe(1)
      expect(
        await sample(reg, 'redlayer_breaker_short_circuits_total', { operation: 'test.incr' }),
      ).toBeGreaterThan(0)
      expect(await sample(reg, 'redlayer_fallbacks_total', { reason: 'open' })).toBe(
        await sample(reg, 'redlayer_breaker_short_circuits_total'),
      )
      expect(await sample(reg, 'redlayer_fallbacks_total', { reason: 'timeout' })).toBeGreaterThanOrEqual(5)
      expect(await sample(reg, 'redlayer_redis_errors_total', { kind: 'timeout' })).toBeGreaterThanOrEqual(5)
      const count = 'redlayer_redis_operation_duration_seconds_count'
      expect(await sample(reg, count, { operation: PROBE_OPERATION, outcome: 'ok' })).toBe(1)
      expect(
        await sample(reg, count, { operation: PROBE_OPERATION, outcome: 'timeout' }),
      ).toBeGreaterThanOrEqual(1)
      // Timed-out calls took about the 200 ms command timeout: slow operations.
      expect(
        metrics.slowOperations.recent().some((op) => op.outcome === 'timeout' && op.durationMs >= 150),
      ).toBe(true)
    } finally {
      server.resume()
      redis.disconnect()
      admin.disconnect()
    }
  })

  it('killed and restarted: opens, then recovers by itself', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    await using guard = createRedisGuard({ redis, volumeThreshold: 3, resetTimeout: 200 })
    const fallback = (reason: UnavailableReason) => reason
    try {
      await server.kill()
      for (let i = 0; i < 50 && guard.state === 'closed'; i++) {
        await guard.run('test.ping', () => redis.ping(), { fallback })
        await sleep(10)
      }
      expect(guard.state).toBe('open')
      await server.restart()
      // The client reconnects (capped backoff, 2 s) and the next probe closes the breaker.
      await until(() => guard.state === 'closed', 15_000, 'the breaker to close')
      await expect(guard.run('test.ping', () => redis.ping(), { fallback })).resolves.toBe('PONG')
    } finally {
      redis.disconnect()
    }
  })

  it('bounds a hung fn with its own timeout, and honours an AbortSignal', async () => {
    await using server = await startRedis()
    // The guard's bound is what is tested: the connection's own command timeout (ioredis 6 also
    // applies it to WAIT) gets room, or a loaded machine makes the 120 ms WAIT exceed it first.
    const redis = await connect(server.url, 2_000)
    await using guard = createRedisGuard({ redis, commandTimeout: 50, resetTimeout: 10 })
    try {
      const hung = () => new Promise<string>(() => {})
      await expect(guard.run('test.hung', hung, { fallback: (reason) => reason })).resolves.toBe('timeout')
      // Nothing answered while it waited: the hang rule opened the breaker; its PING closes it.
      expect(guard.state).toBe('open')
      await until(() => guard.state === 'closed', 10_000, 'the probe to close the breaker')
      // A per-call backstop for a command that may wait longer (WAIT): 1 s instead of 50 ms.
      const waited = await guard.run('test.wait', () => redis.wait(1, 120), { timeoutMs: 1_000 })
      expect(waited).toBe(0) // no replica: WAIT returns after its own 120 ms
      await expect(guard.run('test.get', () => redis.get('k'), { timeoutMs: 0 })).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
      })
      const controller = new AbortController()
      const aborted = guard.run('test.hung', hung, { signal: controller.signal, fallback: (r) => r })
      controller.abort(new Error('caller gave up'))
      await expect(aborted).rejects.toThrow('caller gave up')
      await expect(
        guard.run('test.get', () => redis.get('k'), { signal: controller.signal }),
      ).rejects.toThrow('caller gave up')
    } finally {
      redis.disconnect()
    }
  })

  it('holds no timer that keeps the process alive, in any state', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    // Only ref()ed timers keep the event loop alive, and only those are listed here.
    const refTimers = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length
    await sleep(50) // let the client's connection timers settle
    const baseline = refTimers()
    const guard = createRedisGuard({ redis, volumeThreshold: 2, commandTimeout: 30, resetTimeout: 100 })
    try {
      const hung = () => new Promise<string>(() => {})
      const pending = guard.run('test.hung', hung, { fallback: (reason) => reason })
      expect(refTimers()).toBeLessThanOrEqual(baseline) // the backstop timer of a call in flight
      expect(await pending).toBe('timeout')
      await guard.run('test.hung', hung, { fallback: (reason) => reason })
      expect(guard.state).toBe('open')
      expect(refTimers()).toBeLessThanOrEqual(baseline) // the reset timer and the window rotation
      await waitForEvent(guard, 'close', 5_000) // the PING probe
      expect(refTimers()).toBeLessThanOrEqual(baseline)
    } finally {
      await guard[Symbol.asyncDispose]()
      redis.disconnect()
    }
  })

  it('absorbs a rejection that arrives after the backstop timeout', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    await using guard = createRedisGuard({ redis, commandTimeout: 20 })
    try {
      let rejectLate: (error: Error) => void = () => {}
      const late = () => new Promise<string>((_, reject) => (rejectLate = reject))
      await expect(guard.run('test.late', late, { fallback: (reason) => reason })).resolves.toBe('timeout')
      rejectLate(new Error('Connection is closed.'))
      await sleep(20) // an unhandled rejection would be reported by now (afterEach fails the test)
    } finally {
      redis.disconnect()
    }
  })

  it('rejects bad options and bad calls with typed errors, and refuses calls once disposed', async () => {
    await using server = await startRedis()
    const redis = await connect(server.url)
    try {
      const bad = (() => {
        try {
          createRedisGuard({ redis, volumeThreshold: 0, errorThresholdPercentage: 120, name: 'a b' })
        } catch (error) {
          return error
        }
      })()
      expect(isRedlayerError(bad, 'E_INVALID_OPTIONS')).toBe(true)
      expect((bad as Error).message).toMatch(
        /volumeThreshold.*errorThresholdPercentage.*name|name.*volumeThreshold/s,
      )
      const guard = createRedisGuard({ redis })
      await expect(guard.run('user:42:profile key', () => redis.get('k'))).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
      })
      await guard[Symbol.asyncDispose]()
      await expect(guard.run('test.get', () => redis.get('k'))).rejects.toMatchObject({
        code: 'E_GUARD_DISPOSED',
      })
    } finally {
      redis.disconnect()
    }
  })
})
