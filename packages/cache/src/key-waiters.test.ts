import { describe, expect, it } from 'vitest'
import { KeyWaiters } from './key-waiters.js'

describe('KeyWaiters', () => {
  it('wakes the waiters of a key, and only those', async () => {
    const waiters = new KeyWaiters()
    const a = waiters.wait('a', 5_000)
    const b = waiters.wait('b', 30)
    waiters.wake(['a'])
    expect(await a.woken).toBe(true)
    expect(await b.woken).toBe(false)
  })

  it('ends a wait on timeout, cancel and abort', async () => {
    const waiters = new KeyWaiters()
    expect(await waiters.wait('k', 10).woken).toBe(false)
    const cancelled = waiters.wait('k', 5_000)
    cancelled.cancel()
    expect(await cancelled.woken).toBe(false)
    const controller = new AbortController()
    const aborted = waiters.wait('k', 5_000, controller.signal)
    controller.abort()
    expect(await aborted.woken).toBe(false)
    waiters.wakeAll()
  })
})
