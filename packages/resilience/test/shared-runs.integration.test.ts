import { isRedlayerError } from '@redlayer/connection'
import { batchedScript, LuaScript } from '@redlayer/connection/internal'
import { createRedlayerMetrics } from '@redlayer/metrics'
import { serverScriptCalls, startRedis } from '@redlayer/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisGuard,
  type RedisGuardOptions,
  redisFailureOf,
  type UnavailableReason,
} from '../src/index.js'
import { collectUnhandledRejections, connect, sample } from './fixtures.js'

// Issue 18, ADR-0013 "Shared runs": the batched script calls of one tick are one guarded run,
// while each call keeps its own result, error, fallback and signal.
const echo = batchedScript(
  new LuaScript(
    'testSharedEcho',
    "if ARGV[1] == 'refuse' then return redis.error_reply('ERR refused as asked') end\nreturn ARGV[1]",
  ),
)

const write = batchedScript(new LuaScript('testSharedWrite', "return redis.call('SET', KEYS[1], ARGV[1])"))

const rejections = collectUnhandledRejections()
beforeAll(rejections.start)
afterAll(rejections.stop)
afterEach(rejections.assertNone)

const COUNT = 'redlayer_redis_operation_duration_seconds_count'

/** A redis-server of the test's own, a client on it (`commandTimeoutMs`) and a guard, disposed together. */
async function guarded(options: Omit<RedisGuardOptions, 'redis'> = {}, commandTimeoutMs = 2_000) {
  const server = await startRedis()
  const redis = await connect(server.url, commandTimeoutMs)
  const guard = createRedisGuard({ redis, ...options })
  return {
    server,
    redis,
    guard,
    async [Symbol.asyncDispose]() {
      await guard[Symbol.asyncDispose]()
      redis.disconnect()
      await server[Symbol.asyncDispose]()
    },
  }
}

describe('RedisGuard.runShared against a real redis-server', () => {
  it('makes the calls of one tick one guarded run per script call, each with its own reply', async () => {
    using metrics = createRedlayerMetrics()
    await using t = await guarded()
    const { server, redis, guard } = t
    await guard.runShared('test.warm', (shared) => echo(redis, ['k'], ['warm'], shared))
    const scriptsBefore = await serverScriptCalls([server])
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`)
    const replies = await Promise.all(
      values.map((value) => guard.runShared('test.echo', (shared) => echo(redis, ['k'], [value], shared))),
    )
    expect(replies).toEqual(values)
    // The first call alone, the 39 after it in batches of at most 16: 1 + 3 script calls, and
    // as many guarded runs (one duration each), not 40.
    const scripts = (await serverScriptCalls([server])) - scriptsBefore
    expect(scripts).toBe(4)
    expect(await sample(metrics.registry, COUNT, { operation: 'test.echo', outcome: 'ok' })).toBe(scripts)
    // Plain `run` around the same batched calls: one guarded run per call, as before.
    await Promise.all(values.map((value) => guard.run('test.alone', () => echo(redis, ['k'], [value]))))
    expect(await sample(metrics.registry, COUNT, { operation: 'test.alone', outcome: 'ok' })).toBe(40)
  })

  it('fails only the call whose script errs, and never counts it against the breaker', async () => {
    await using t = await guarded({ volumeThreshold: 1 })
    const { redis, guard } = t
    const settled = await Promise.allSettled(
      ['a', 'refuse', 'b', 'refuse', 'c'].map((value) =>
        guard.runShared('test.echo', (shared) => echo(redis, ['k'], [value], shared), {
          fallback: () => 'fallback',
        }),
      ),
    )
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)))).toEqual([
      'a',
      expect.stringMatching(/refused as asked/),
      'b',
      expect.stringMatching(/refused as asked/),
      'c',
    ])
    expect(guard.state).toBe('closed')
  })

  it("turns a call's own Redis refusal (OOM) into what run gives: its fallback or E_REDIS_FULL", async () => {
    await using t = await guarded()
    const { redis, guard } = t
    await guard.runShared('test.warm', (shared) => write(redis, ['k'], ['warm'], shared))
    await redis.config('SET', 'maxmemory', '1')
    // Three without a fallback, then three with one: the first alone, then one batch of each,
    // whose own replies hold the OOM errors (the batch script runs, its writes are refused).
    const calls = Array.from({ length: 6 }, (_, i) =>
      guard.runShared(
        'test.write',
        (shared) => write(redis, [`k${i}`], ['v'], shared),
        i < 3
          ? {}
          : {
              fallback: (reason: UnavailableReason, error?: unknown) =>
                `${reason}: ${redisFailureOf(error)?.kind}`,
            },
      ),
    )
    const settled = await Promise.allSettled(calls)
    settled.forEach((one, i) => {
      if (i >= 3) expect(one).toEqual({ status: 'fulfilled', value: 'refused: oom' })
      else {
        expect(one.status).toBe('rejected')
        const reason = (one as PromiseRejectedResult).reason
        expect(isRedlayerError(reason, 'E_REDIS_FULL')).toBe(true)
        expect((reason as { details: Record<string, unknown> }).details).toMatchObject({
          operation: 'test.write',
          reason: 'refused',
          outcome: 'not-applied',
        })
      }
    })
    // A refusal never opens the breaker, and the guard saw it (ADR-0013).
    expect(guard.state).toBe('closed')
    expect(guard.refusal?.kind).toBe('oom')
  })

  it('gives each call its own fallback, or the error run would throw, when the shared run fails', async () => {
    using metrics = createRedlayerMetrics()
    await using t = await guarded({ volumeThreshold: 1000, consecutiveFailures: 1000 }, 1_000)
    const { server, redis, guard } = t
    await guard.runShared('test.warm', (shared) => echo(redis, ['k'], ['warm'], shared))
    server.pause()
    const degrading = Array.from({ length: 6 }, (_, i) =>
      guard.runShared('test.echo', (shared) => echo(redis, ['k'], [`v${i}`], shared), {
        fallback: (reason: UnavailableReason, error?: unknown) =>
          `fallback ${i}: ${reason}, ${redisFailureOf(error)?.kind}`,
      }),
    )
    const plain = Promise.allSettled(
      Array.from({ length: 3 }, (_, i) =>
        guard.runShared('test.echo', (shared) => echo(redis, ['k'], [`p${i}`], shared)),
      ),
    )
    expect(await Promise.all(degrading)).toEqual(
      Array.from({ length: 6 }, (_, i) => `fallback ${i}: timeout, timeout`),
    )
    for (const call of await plain) {
      const error = call.status === 'rejected' ? call.reason : undefined
      expect(isRedlayerError(error, 'E_REDIS_UNAVAILABLE')).toBe(true)
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({
        operation: 'test.echo',
        reason: 'timeout',
        outcome: 'unknown',
      })
    }
    // One fallback per shared run that fell back (a run of its own per call would count six).
    const fellBack = await sample(metrics.registry, 'redlayer_fallbacks_total', { operation: 'test.echo' })
    expect(fellBack).toBeGreaterThanOrEqual(1)
    expect(fellBack).toBeLessThan(6)
  })

  it('stops only the wait of the call whose signal aborts', async () => {
    await using t = await guarded()
    const { redis, guard } = t
    const controller = new AbortController()
    const calls = ['a', 'b', 'c'].map((value, i) =>
      guard.runShared('test.echo', (shared) => echo(redis, ['k'], [value], shared), {
        ...(i === 1 && { signal: controller.signal }),
      }),
    )
    controller.abort(new Error('the caller gave up'))
    const settled = await Promise.allSettled(calls)
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'a',
      'the caller gave up',
      'c',
    ])
    const aborted = AbortSignal.abort(new Error('already aborted'))
    await expect(
      guard.runShared('test.echo', (shared) => echo(redis, ['k'], ['x'], shared), { signal: aborted }),
    ).rejects.toThrow('already aborted')
  })

  it('is run exactly while the breaker is open: short-circuits at once, nothing sent', async () => {
    await using t = await guarded({ resetTimeout: 60_000 })
    const { server, redis, guard } = t
    await guard.runShared('test.warm', (shared) => echo(redis, ['k'], ['warm'], shared))
    const scriptsBefore = await serverScriptCalls([server])
    server.pause()
    const opened = new Promise((resolve) => guard.once('open', () => resolve(undefined)))
    // A call that times out while nothing else answers opens it at once (the hang rule).
    await guard.run('test.hang', () => redis.ping(), { timeoutMs: 200, fallback: () => 'timed out' })
    await opened
    server.resume()
    let called = 0
    const results = await Promise.all(
      ['a', 'b'].map((value) =>
        guard.runShared(
          'test.echo',
          (shared) => {
            called++
            return echo(redis, ['k'], [value], shared)
          },
          { fallback: (reason) => `fallback: ${reason}` },
        ),
      ),
    )
    expect(results).toEqual(['fallback: open', 'fallback: open'])
    expect(called).toBe(0)
    await expect(
      guard.runShared('test.echo', (shared) => echo(redis, ['k'], ['c'], shared)),
    ).rejects.toMatchObject({ code: 'E_REDIS_UNAVAILABLE', details: { reason: 'open' } })
    expect(await serverScriptCalls([server])).toBe(scriptsBefore)
  })

  it('rejects bad labels and calls once disposed, as run does', async () => {
    await using t = await guarded()
    const { guard } = t
    await expect(guard.runShared('a key:with spaces', async () => 1)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    })
    await expect(guard.runShared('test.bad', 42 as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    })
    await guard.close()
    await expect(guard.runShared('test.echo', async () => 1)).rejects.toMatchObject({
      code: 'E_GUARD_DISPOSED',
    })
  })
})
