import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { settleWithin } from './settle-within.js'

describe('settleWithin', () => {
  it('passes the work through when it wins, and leaves no timer or listener behind', async () => {
    const controller = new AbortController()
    await expect(
      settleWithin(Promise.resolve(1), { timeoutMs: 1_000, signal: controller.signal }),
    ).resolves.toBe(1)
    await expect(settleWithin(Promise.reject(new Error('no')), { timeoutMs: 1_000 })).rejects.toThrow('no')
    controller.abort(new Error('late')) // the listener is gone: nothing happens
  })

  it("settles as onTimeout says: its value, or its error; the work's late rejection is absorbed", async () => {
    const slow = sleep(200).then(() => {
      throw new Error('late rejection')
    })
    await expect(settleWithin(slow, { timeoutMs: 10, onTimeout: () => 'soft' })).resolves.toBe('soft')
    await expect(
      settleWithin(sleep(200), {
        timeoutMs: 10,
        onTimeout: () => {
          throw new Error('hard')
        },
      }),
    ).rejects.toThrow('hard')
    await slow.catch(() => undefined)
  })

  it('rejects with the reason when the signal aborts, at once when it already had', async () => {
    const controller = new AbortController()
    const waiting = settleWithin(sleep(1_000), { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    await expect(
      settleWithin(sleep(1_000), { signal: AbortSignal.abort(new Error('before')) }),
    ).rejects.toThrow('before')
  })
})
