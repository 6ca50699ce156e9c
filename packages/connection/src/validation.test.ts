import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isRedlayerError } from './errors.js'
import { invalidInput, parseOrThrow, zodProblems } from './validation.js'

const schema = z.object({ ttlMs: z.number().int().positive(), name: z.string().min(1) })

describe('input validation', () => {
  it('returns the parsed value', () => {
    expect(parseOrThrow(schema, { ttlMs: 5, name: 'a' }, 'options')).toEqual({ ttlMs: 5, name: 'a' })
  })

  it('reports every problem at once, in one typed error', () => {
    let thrown: unknown
    try {
      parseOrThrow(schema, { ttlMs: -1, name: '' }, 'lock options', 'E_INVALID_LOCK_OPTIONS')
    } catch (error) {
      thrown = error
    }
    expect(isRedlayerError(thrown, 'E_INVALID_LOCK_OPTIONS')).toBe(true)
    const error = thrown as Error & { details: { problems: string[] } }
    expect(error.details.problems).toHaveLength(2)
    expect(error.details.problems[0]).toMatch(/^ttlMs: /)
    expect(error.details.problems[1]).toMatch(/^name: /)
    expect(error.message).toBe(`Invalid lock options:\n- ${error.details.problems.join('\n- ')}`)
  })

  it('defaults to E_INVALID_OPTIONS and leaves the path out at the top level', () => {
    const result = z.string().safeParse(42)
    expect(result.success).toBe(false)
    if (!result.success) expect(zodProblems(result.error)).toEqual([result.error.issues[0]?.message])
    expect(() => parseOrThrow(schema, null, 'options')).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    )
    expect(invalidInput('E_X', 'thing', ['a', 'b']).message).toBe('Invalid thing:\n- a\n- b')
  })
})
