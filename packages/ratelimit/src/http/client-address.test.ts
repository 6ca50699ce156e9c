import { describe, expect, it } from 'vitest'
import { clientAddress } from './client-address.js'

describe('clientAddress', () => {
  it('keeps IPv4, and reads an IPv4-mapped IPv6 address as its IPv4 one', () => {
    expect(clientAddress('10.1.2.3')).toBe('10.1.2.3')
    expect(clientAddress('::ffff:10.1.2.3')).toBe('10.1.2.3')
    expect(clientAddress('::FFFF:a01:203')).toBe('10.1.2.3')
  })

  it('groups IPv6 by its /64 network (or the subnet asked for), however the address is written', () => {
    expect(clientAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(clientAddress('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(clientAddress('2001:db8:1:2:3:4:5:6', 56)).toBe('2001:db8:1::/56')
    expect(clientAddress('2001:db8:1:2:3:4:5:6', 128)).toBe('2001:db8:1:2:3:4:5:6/128')
    expect(clientAddress('::1')).toBe('::/64')
  })

  it('leaves what is not an address alone', () => {
    expect(clientAddress('unknown')).toBe('unknown')
  })
})
