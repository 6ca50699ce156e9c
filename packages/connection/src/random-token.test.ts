import { describe, expect, it } from 'vitest'
import { randomToken, TOKEN_BYTES } from './random-token.js'

describe('randomToken', () => {
  it('hands out 128-bit hex tokens, never the same one twice, across pool refills', () => {
    const seen = new Set<string>()
    // 3,000 tokens span three 16 KiB draws.
    for (let i = 0; i < 3_000; i++) {
      const token = randomToken()
      expect(token).toMatch(new RegExp(`^[0-9a-f]{${TOKEN_BYTES * 2}}$`))
      seen.add(token)
    }
    expect(seen.size).toBe(3_000)
  })

  it('gives the same 128 bits in base64url when asked', () => {
    const token = randomToken('base64url')
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(TOKEN_BYTES)
  })
})
