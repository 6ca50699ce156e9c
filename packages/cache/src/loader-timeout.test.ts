import { isRedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { abortable, raceSoftTimeout, runWithHardTimeout, SOFT_TIMEOUT } from './loader-timeout.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('loader timeouts', () => {
  it('fails a slow loader with E_LOADER_TIMEOUT and aborts its signal', async () => {
    let seen: AbortSignal | undefined
    const error = await runWithHardTimeout(async (signal) => {
      seen = signal
      await sleep(200)
      return 1
    }, 20).catch((caught: unknown) => caught)
    expect(isRedlayerError(error, 'E_LOADER_TIMEOUT')).toBe(true)
    expect(seen?.aborted).toBe(true)
  })

  it('passes a fast result and a loader error through', async () => {
    expect(await runWithHardTimeout(() => 5, 1_000)).toBe(5)
    expect(await runWithHardTimeout(() => 6, undefined)).toBe(6)
    await expect(runWithHardTimeout(() => Promise.reject(new Error('db down')), 1_000)).rejects.toThrow(
      'db down',
    )
  })

  it('reports the soft timeout without cancelling the work', async () => {
    const slow = sleep(100).then(() => 'late')
    expect(await raceSoftTimeout(slow, 10)).toBe(SOFT_TIMEOUT)
    expect(await slow).toBe('late')
    expect(await raceSoftTimeout(Promise.resolve('now'), 1_000)).toBe('now')
  })

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController()
    const waiting = abortable(sleep(1_000), controller.signal)
    controller.abort(new Error('caller gave up'))
    await expect(waiting).rejects.toThrow('caller gave up')
  })
})
