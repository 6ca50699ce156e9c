import { describe, expect, it } from 'vitest'
import { loadRedisConfig } from './config.js'
import { describeRedisConfig, redactRedisUrl } from './describe.js'

const SECRET = 'hunter2-very-secret'

describe('describeRedisConfig', () => {
  it('shows a standalone config with the URL password redacted', () => {
    const text = describeRedisConfig(
      loadRedisConfig({ REDIS_URL: `rediss://app:${SECRET}@cache:6380/1`, REDIS_KEY_PREFIX: 'shop' }),
    )
    expect(text).not.toContain(SECRET)
    expect(text).toContain('rediss://app:***@cache:6380/1')
    expect(text).toContain('Redis connection (standalone)')
    expect(text).toMatch(/tls\s+on \(system CAs\)/)
    expect(text).toMatch(/key prefix\s+shop/)
    expect(text).toMatch(/command timeout\s+500 ms/)
  })

  it('shows sentinels and whether each password is set, never the passwords', () => {
    const text = describeRedisConfig(
      loadRedisConfig({
        REDIS_MODE: 'sentinel',
        REDIS_SENTINELS: 'a:26379,[::1]:26380',
        REDIS_SENTINEL_PASSWORD: SECRET,
        REDIS_USERNAME: 'app',
        REDIS_PASSWORD: SECRET,
      }),
    )
    expect(text).not.toContain(SECRET)
    expect(text).toMatch(/sentinels\s+a:26379, \[::1\]:26380/)
    expect(text).toMatch(/sentinel password\s+\*\*\* \(set\)/)
    expect(text).toMatch(/^ {2}password\s+\*\*\* \(set\)$/m)
    expect(text).toMatch(/username\s+app/)
  })

  it('shows cluster nodes and an unset password as such', () => {
    const text = describeRedisConfig(
      loadRedisConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'n1:7000' }),
    )
    expect(text).toMatch(/cluster nodes\s+n1:7000/)
    expect(text).toMatch(/password\s+not set/)
    expect(text).toMatch(/tls\s+off/)
  })
})

describe('redactRedisUrl', () => {
  it('leaves a URL without a password as it is', () => {
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379')
  })
  it('hides a password given without a username', () => {
    expect(redactRedisUrl(`redis://:${SECRET}@h:6379`)).toBe('redis://:***@h:6379')
  })
  it('hides a query string, which ioredis reads options (a password among them) from', () => {
    expect(redactRedisUrl(`redis://h:6379/?password=${SECRET}`)).toBe('redis://h:6379/?***')
  })
  it('shows nothing of a string that is not a URL', () => {
    expect(redactRedisUrl(`${SECRET} nonsense`)).toBe('***')
  })
})
