import { describe, expect, it } from 'vitest'
import { formatHostPort, parseHostPort } from './host-port.js'

describe('parseHostPort', () => {
  it.each([
    ['localhost:6379', { host: 'localhost', port: 6379 }],
    [' redis-1.prod.internal:26379 ', { host: 'redis-1.prod.internal', port: 26379 }],
    ['10.1.2.3:1', { host: '10.1.2.3', port: 1 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
    ['[2001:db8::7]:7000', { host: '2001:db8::7', port: 7000 }],
  ])('parses %s', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected)
  })

  it.each([
    ['localhost', 'expected host:port'],
    ['localhost:', 'port must be an integer from 1 to 65535'],
    ['localhost:0', 'port must be an integer from 1 to 65535'],
    ['localhost:65536', 'port must be an integer from 1 to 65535'],
    ['localhost:12ab', 'port must be an integer from 1 to 65535'],
    [':6379', 'host is empty'],
    ['-bad-.host:1', 'host is not a valid hostname, IPv4 address or IPv6 address'],
    ['::1:6379', 'an IPv6 address must be written in brackets: [::1]:6379'],
    ['[::1]6379', 'expected [ipv6]:port'],
    ['[10.0.0.1]:6379', 'the address in brackets is not an IPv6 address'],
  ])('rejects %s', (text, reason) => {
    expect(parseHostPort(text)).toBe(reason)
  })
})

describe('formatHostPort', () => {
  it('brackets IPv6 only', () => {
    expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1')
    expect(formatHostPort({ host: 'a.b', port: 2 })).toBe('a.b:2')
  })
})
