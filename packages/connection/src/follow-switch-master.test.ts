import { Redis, type RedisOptions } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { mappedPort } from './follow-switch-master.js'

// ADR-0015: a +switch-master names the new primary by the address the sentinels know; a client
// behind a natMap (containers, NAT) reaches it at the translated port, and must compare that.
describe('mappedPort', () => {
  const lazy = (options: RedisOptions = {}) => new Redis({ lazyConnect: true, ...options })

  it('is the announced port without a natMap', () => {
    const client = lazy()
    expect(mappedPort(client, '10.0.0.2:6379', '6379')).toBe('6379')
  })

  it('translates through a natMap given as a table, and keeps an address it does not list', () => {
    const client = lazy({ natMap: { '10.0.0.2:6379': { host: '127.0.0.1', port: 16379 } } })
    expect(mappedPort(client, '10.0.0.2:6379', '6379')).toBe('16379')
    expect(mappedPort(client, '10.0.0.3:6379', '6379')).toBe('6379')
  })

  it('translates through a natMap given as a function', () => {
    const client = lazy({
      natMap: (key: string) => (key === '10.0.0.2:6379' ? { host: '127.0.0.1', port: 26379 } : null),
    })
    expect(mappedPort(client, '10.0.0.2:6379', '6379')).toBe('26379')
    expect(mappedPort(client, '10.0.0.9:6379', '6379')).toBe('6379')
  })
})
