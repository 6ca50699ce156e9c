import { RedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { ErrorLogBudget, safeError, safeRequest } from './error-log.js'

describe('safeError', () => {
  it("keeps an ioredis reply error's class and command name, never its arguments or message", () => {
    const reply = Object.assign(new Error('WRONGTYPE for key app:session::{owner}:meta value {"secret":1}'), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['sha', '1', 'app:session::{owner}:meta', '{"secret":1}'] },
    })
    const text = JSON.stringify(safeError(reply))
    expect(JSON.parse(text)).toMatchObject({
      type: 'ReplyError',
      command: 'evalsha',
      message: expect.stringMatching(/not logged/),
    })
    expect(JSON.parse(text).stack).toMatch(/^\s+at /)
    expect(text).not.toMatch(/session|secret|owner/)
  })

  it("keeps a redlayer error's code and message, and its cause the same way", () => {
    const error = new RedlayerError('E_REDIS_UNAVAILABLE', 'Redis is unavailable for "session.append"', {
      cause: Object.assign(new Error('Command timed out'), { command: { name: 'evalsha', args: ['k'] } }),
    })
    expect(safeError(error)).toMatchObject({
      type: 'RedlayerError',
      code: 'E_REDIS_UNAVAILABLE',
      message: 'Redis is unavailable for "session.append"',
      cause: { type: 'Error', command: 'evalsha', message: expect.stringMatching(/not logged/) },
    })
  })

  it('describes a request by its route, not its URL', () => {
    expect(safeRequest({ method: 'GET', id: 'req-1', routeOptions: { url: '/api/sessions/:id' } })).toEqual({
      method: 'GET',
      route: '/api/sessions/:id',
      id: 'req-1',
    })
  })
})

describe('ErrorLogBudget', () => {
  it('lets 10 lines through per window and reports what it left out on the next one', () => {
    const budget = new ErrorLogBudget(10, 10_000)
    const logged = Array.from({ length: 25 }, (_, i) => budget.take(1_000 + i).log).filter(Boolean)
    expect(logged).toHaveLength(10)
    expect(budget.take(12_000)).toEqual({ log: true, suppressed: 15 })
    expect(budget.take(12_001)).toEqual({ log: true, suppressed: 0 })
  })
})
