import { isRedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { type Attempt, acquireLoop } from './acquire-loop.js'
import type { ReleaseWatch } from './release-wakeups.js'

/** An in-process release source standing in for the pub/sub subscriber. */
class Wakeups {
  readonly #waiters = new Set<() => void>()
  watched = 0
  watch(_channels: readonly string[], wake: () => void): ReleaseWatch {
    this.watched += 1
    this.#waiters.add(wake)
    return { ready: new Promise(() => undefined), [Symbol.dispose]: () => this.#waiters.delete(wake) }
  }
  publish(): void {
    for (const wake of this.#waiters) wake()
  }
  get waiting(): number {
    return this.#waiters.size
  }
}

const slowBackoff = { baseMs: 60_000, maxMs: 60_000 }

function options(
  wakeups: Wakeups,
  extra: { waitMs?: number; signal?: AbortSignal; abandon?: () => Promise<unknown> } = {},
) {
  return {
    waitMs: extra.waitMs ?? 5_000,
    signal: extra.signal ?? new AbortController().signal,
    backoff: slowBackoff,
    wakeups,
    channels: ['c'],
    abandon: extra.abandon ?? (async () => undefined),
  }
}

describe('acquireLoop', () => {
  it('returns at the first successful attempt without subscribing', async () => {
    const wakeups = new Wakeups()
    const result = await acquireLoop(async () => ({ acquired: 'lock' }), options(wakeups))
    expect(result).toEqual({ acquired: 'lock', attempts: 1 })
    expect(wakeups.watched).toBe(0)
  })

  it('retries at once when a release is published, far ahead of its backoff', async () => {
    const wakeups = new Wakeups()
    let free = false
    const attempt = async (): Promise<Attempt<string>> => (free ? { acquired: 'lock' } : {})
    const pending = acquireLoop(attempt, options(wakeups))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(wakeups.waiting).toBe(1)
    free = true
    wakeups.publish()
    expect(await pending).toEqual({ acquired: 'lock', attempts: 2 })
    expect(wakeups.waiting).toBe(0) // unsubscribed when done
  })

  it("wakes when the holder's lease runs out (the retry hint)", async () => {
    const wakeups = new Wakeups()
    let calls = 0
    const attempt = async (): Promise<Attempt<string>> =>
      ++calls === 1 ? { retryAfterMs: 30 } : { acquired: 'lock' }
    expect(await acquireLoop(attempt, options(wakeups))).toEqual({ acquired: 'lock', attempts: 2 })
  })

  it('gives up after waitMs with nothing acquired', async () => {
    const wakeups = new Wakeups()
    const started = performance.now()
    const result = await acquireLoop(async () => ({}), {
      ...options(wakeups, { waitMs: 50 }),
      backoff: { baseMs: 5, maxMs: 20 },
    })
    expect(result.acquired).toBeUndefined()
    expect(result.attempts).toBeGreaterThan(1)
    expect(performance.now() - started).toBeGreaterThanOrEqual(49)
  })

  it('ends with E_LOCK_ABORTED on abort, and gives back a grant that came too late', async () => {
    const wakeups = new Wakeups()
    const controller = new AbortController()
    const pending = acquireLoop(async () => ({}), options(wakeups, { signal: controller.signal }))
    controller.abort(new Error('stop'))
    const error = await pending.catch((e: unknown) => e)
    expect(isRedlayerError(error, 'E_LOCK_ABORTED')).toBe(true)
    expect((error as Error).cause).toEqual(new Error('stop'))

    let givenBack = 0
    const late = new AbortController()
    const attempt = async () => {
      late.abort()
      return { acquired: 'lock' }
    }
    const lateError = await acquireLoop(
      attempt,
      options(wakeups, { signal: late.signal, abandon: async () => givenBack++ }),
    ).catch((e: unknown) => e)
    expect(isRedlayerError(lateError, 'E_LOCK_ABORTED')).toBe(true)
    expect(givenBack).toBe(1)
  })

  it('propagates a failed attempt at once, after giving back what it may have taken', async () => {
    const wakeups = new Wakeups()
    let givenBack = 0
    const failure = new Error('Redis is unavailable')
    const error = await acquireLoop(
      async () => {
        throw failure
      },
      options(wakeups, { abandon: async () => givenBack++ }),
    ).catch((e: unknown) => e)
    expect(error).toBe(failure)
    expect(givenBack).toBe(1)
  })
})
