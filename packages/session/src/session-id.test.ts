import { isRedlayerError } from '@redlayer/connection'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newSessionId, ownerHashes, parseSessionId } from './session-id.js'

describe('session ids', () => {
  it('carry the owner hash and 144 random bits', () => {
    const id = newSessionId('chat', 'u-1')
    const parsed = parseSessionId(id)
    expect([parsed.owner]).toEqual(ownerHashes('chat', 'u-1', []))
    expect(Buffer.from(parsed.random, 'base64url')).toHaveLength(18)
    const many = new Set(
      Array.from({ length: 10_000 }, () => parseSessionId(newSessionId('chat', 'u-1')).random),
    )
    expect(many.size).toBe(10_000)
  })

  it('separate app and user so that no two owners share a hash by concatenation', () => {
    expect(ownerHashes('ab', 'c', [])).not.toEqual(ownerHashes('a', 'bc', []))
    expect(ownerHashes('ab', 'c', ['s'.repeat(32)])).not.toEqual(ownerHashes('a', 'bc', ['s'.repeat(32)]))
  })

  it('are keyed by the owner secret, so an id reveals nothing without it, and rotate', () => {
    const [current, previous] = ['c'.repeat(32), 'p'.repeat(32)]
    const id = parseSessionId(newSessionId('chat', '1234', current))
    // Without the secret, the owner hash of a guessed user id does not match.
    expect(id.owner).not.toBe(ownerHashes('chat', '1234', [])[0])
    expect(id.owner).not.toBe(ownerHashes('chat', '1234', [previous])[0])
    // After a rotation (new secret first), ids named under the old one are still the owner's.
    const rotated = ownerHashes('chat', '1234', ['n'.repeat(32), current])
    expect(rotated).toHaveLength(2)
    expect(rotated[1]).toBe(id.owner)
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
