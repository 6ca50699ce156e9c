import { describe, expect, it } from 'vitest'
import { pollUntil } from './poll.js'

describe('pollUntil', () => {
  it('returns the first defined value, treating a throw as not yet', async () => {
    let calls = 0
    const value = await pollUntil(
      async () => {
        calls++
        if (calls === 1) throw new Error('refused')
        return calls === 3 ? 'ready' : undefined
      },
      { timeoutMs: 1_000, intervalMs: 1, what: 'the third call' },
    )
    expect(value).toBe('ready')
    expect(calls).toBe(3)
  })

  it('times out naming what it waited for, with the last error as cause', async () => {
    const failure = pollUntil(
      async () => {
        throw new Error('connection refused')
      },
      { timeoutMs: 20, intervalMs: 5, what: 'a dead node' },
    )
    await expect(failure).rejects.toThrow(/timed out after 20 ms waiting for a dead node/)
    await expect(failure).rejects.toHaveProperty('cause.message', 'connection refused')
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('test over'))
    await expect(
      pollUntil(async () => undefined, { timeoutMs: 1_000, signal: controller.signal, what: 'nothing' }),
    ).rejects.toThrow('test over')
  })
})
