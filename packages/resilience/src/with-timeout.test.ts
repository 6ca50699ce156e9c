import { getEventListeners } from 'node:events'
import { isRedlayerError } from '@redlayer/connection'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTimeout } from './with-timeout.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => process.on('unhandledRejection', onUnhandled))
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const never = () => new Promise<never>(() => {})

describe('withTimeout', () => {
  it('resolves and rejects with the result of fn', async () => {
    await expect(withTimeout(async () => 'v', 1_000, 'op')).resolves.toBe('v')
    const error = new Error('boom')
    await expect(withTimeout(() => Promise.reject(error), 1_000, 'op')).rejects.toBe(error)
  })

  it('turns a synchronous throw into a rejection', async () => {
    const error = new TypeError('sync')
    await expect(
      withTimeout(
        () => {
          throw error
        },
        1_000,
        'op',
      ),
    ).rejects.toBe(error)
  })

  it('rejects with E_REDIS_TIMEOUT naming the operation, not any key', async () => {
    const failed = await withTimeout(never, 10, 'cache.get').catch((error: unknown) => error)
    expect(isRedlayerError(failed, 'E_REDIS_TIMEOUT')).toBe(true)
    expect((failed as Error).message).toBe('Redis operation "cache.get" did not settle within 10 ms')
  })

  it('rejects with the reason of an aborted signal and absorbs the late result', async () => {
    const controller = new AbortController()
    let rejectLate: (error: Error) => void = () => {}
    const pending = withTimeout(
      () => new Promise<never>((_, reject) => (rejectLate = reject)),
      1_000,
      'op',
      controller.signal,
    )
    controller.abort(new Error('gave up'))
    await expect(pending).rejects.toThrow('gave up')
    rejectLate(new Error('late'))
    await new Promise((resolve) => setTimeout(resolve, 10))
  })

  it('removes its abort listener once settled', async () => {
    const { signal } = new AbortController()
    const pending = withTimeout(async () => 1, 1_000, 'op', signal)
    expect(getEventListeners(signal, 'abort')).toHaveLength(1)
    await pending
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })
})
