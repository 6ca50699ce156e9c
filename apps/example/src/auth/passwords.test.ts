import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './passwords.js'

describe('password hashes', () => {
  it('verify the password they were made from, and no other', async () => {
    const stored = await hashPassword('correct horse battery staple')
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(stored).not.toContain('horse')
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('salt every hash, and refuse a stored string that is not one', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'))
    for (const stored of ['', 'plain', 'md5$x$y', 'scrypt$16384$8$1$$']) {
      expect(await verifyPassword('plain', stored)).toBe(false)
    }
  })

  it('read unicode passwords in one normal form', async () => {
    const stored = await hashPassword('caf\u00e9')
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true)
  })
})
