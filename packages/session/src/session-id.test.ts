import { isRedlayerError } from '@redlayer/connection'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newSessionId, ownerHash, parseSessionId } from './session-id.js'

describe('session ids', () => {
  it('carry the owner hash and 144 random bits', () => {
    const id = newSessionId('chat', 'u-1')
    const parsed = parseSessionId(id)
    expect(parsed.owner).toBe(ownerHash('chat', 'u-1'))
    expect(Buffer.from(parsed.random, 'base64url')).toHaveLength(18)
    const many = new Set(
      Array.from({ length: 10_000 }, () => parseSessionId(newSessionId('chat', 'u-1')).random),
    )
    expect(many.size).toBe(10_000)
  })

  it('separate app and user so that no two owners share a hash by concatenation', () => {
    expect(ownerHash('ab', 'c')).not.toBe(ownerHash('a', 'bc'))
  })

  it('reject anything that is not exactly an id', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (value) => {
        const valid = /^[0-9a-f]{16}\.[A-Za-z0-9_-]{24}$/.test(value)
        try {
          parseSessionId(value)
          return valid
        } catch (error) {
          return !valid && isRedlayerError(error, 'E_INVALID_SESSION_ID')
        }
      }),
    )
    for (const value of [
      undefined,
      null,
      42,
      {},
      `${newSessionId('a', 'b')}\n`,
      ` ${newSessionId('a', 'b')}`,
    ]) {
      expect(() => parseSessionId(value)).toThrow(expect.objectContaining({ code: 'E_INVALID_SESSION_ID' }))
    }
  })
})
