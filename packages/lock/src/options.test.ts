import { isRedlayerError, type RedlayerError } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { describe, expect, it } from 'vitest'
import { LockPolicy } from './options.js'

const keyspace = defineKeyspace({
  namespaces: {
    lock: {
      prefix: 'lock',
      description: 'locks',
      ttl: { default: '30s', min: '100ms', max: '5m' },
      flushClass: 'forbidden',
      whenRedisDown: 'fail-closed',
    },
    cache: {
      prefix: 'cache',
      description: 'cache',
      ttl: { default: '1m' },
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    },
  },
})

function thrown(fn: () => unknown): RedlayerError {
  try {
    fn()
  } catch (error) {
    if (isRedlayerError(error)) return error
    throw error
  }
  throw new Error('did not throw')
}

describe('LockPolicy', () => {
  it("takes the namespace's default TTL and the documented defaults", () => {
    const policy = new LockPolicy({}, keyspace, 'lock')
    expect(policy.resolve(undefined)).toEqual({
      ttlMs: 30_000,
      waitMs: 10_000,
      signal: undefined,
      autoExtend: false,
      fair: false,
    })
    expect(policy.queueLivenessMs).toBe(4_000)
    expect(policy.resolve({ fair: true })).toMatchObject({ fair: true })
    expect(new LockPolicy({ fair: true }, keyspace, 'lock').resolve({}).fair).toBe(true)
    expect(thrown(() => policy.resolve({ fair: 'yes' as never })).code).toBe('E_INVALID_OPTIONS')
    expect(policy.resolve({ ttl: 400 }, { waitMs: 0 })).toMatchObject({ ttlMs: 400, waitMs: 0 })
    expect(policy.resolve({ wait: 50 }, { waitMs: 0 })).toMatchObject({ waitMs: 50 })
    expect(policy.backoff).toEqual({ baseMs: 10, maxMs: 500 })
  })

  it('refuses a namespace that could be flushed or that does not fail closed, listing both', () => {
    const error = thrown(() => new LockPolicy({}, keyspace, 'cache'))
    expect(error.code).toBe('E_INVALID_OPTIONS')
    expect(error.details.problems).toEqual([
      "namespace: flushClass must be 'forbidden', not 'safe'",
      "namespace: whenRedisDown must be 'fail-closed', not 'bypass'",
    ])
  })

  it('refuses a TTL outside the namespace bounds instead of clamping it', () => {
    const policy = new LockPolicy({}, keyspace, 'lock')
    expect(thrown(() => policy.resolve({ ttl: 600_000 })).message).toContain('[200, 300000]')
    expect(thrown(() => policy.resolve({ ttl: 60 })).code).toBe('E_INVALID_OPTIONS')
    expect(thrown(() => new LockPolicy({ ttl: 10 * 60_000 }, keyspace, 'lock')).code).toBe(
      'E_INVALID_OPTIONS',
    )
  })

  it('reports every bad option at once', () => {
    const error = thrown(
      () => new LockPolicy({ wait: -1, backoffBase: 0, autoExtend: 'yes' as never }, keyspace, 'lock'),
    )
    expect(error.details.problems).toHaveLength(3)
    const call = thrown(() =>
      new LockPolicy({}, keyspace, 'lock').resolve({ wait: 'soon', signal: 'no' as never }),
    )
    expect(call.details.problems).toHaveLength(2)
  })

  it('refuses each kind of bad per-call option, whatever shortcut valid ones take', () => {
    const policy = new LockPolicy({}, keyspace, 'lock')
    const bad: unknown[] = [
      [],
      'fast',
      { ttl: 'forever' },
      { ttl: Number.NaN },
      { ttl: 2 ** 60 },
      { ttl: '10 minutes' },
      { wait: -1 },
      { wait: Number.POSITIVE_INFINITY },
      { wait: '-5s' },
      { signal: {} },
      { autoExtend: 1 },
    ]
    for (const options of bad) {
      expect(thrown(() => policy.resolve(options as never)).code).toBe('E_INVALID_OPTIONS')
    }
    const signal = new AbortController().signal
    // Durations in either form (issue 14): milliseconds, or a string.
    expect(policy.resolve({ ttl: '1s', wait: '250ms' })).toMatchObject({ ttlMs: 1_000, waitMs: 250 })
    expect(policy.resolve({ ttl: 1_000, wait: 0, signal, autoExtend: true, extra: 1 } as never)).toEqual({
      ttlMs: 1_000,
      waitMs: 0,
      signal,
      autoExtend: true,
      fair: false,
    })
  })

  it('validates a semaphore limit', () => {
    const policy = new LockPolicy({}, keyspace, 'lock')
    expect(policy.semaphore({ limit: 3, ttl: 1_000 })).toMatchObject({ limit: 3, ttlMs: 1_000 })
    expect(thrown(() => policy.semaphore({ limit: 0 })).code).toBe('E_INVALID_OPTIONS')
    expect(thrown(() => policy.semaphore({ limit: 1.5 })).code).toBe('E_INVALID_OPTIONS')
  })
})
