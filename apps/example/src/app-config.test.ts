import { isRedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { loadAppConfig, redactDatabaseUrl } from './app-config.js'

describe('loadAppConfig', () => {
  it('serves on 127.0.0.1:3000 with the embedded database by default', () => {
    expect(loadAppConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      rateLimitPerMinute: 120,
      instances: 1,
      adminPort: 3001,
      adminHost: '127.0.0.1',
      adminToken: undefined,
      sessionSecrets: undefined,
    })
  })

  it('opens the admin listener beyond loopback only with an admin token (ADR-0041)', () => {
    const token = 'a'.repeat(32)
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      expect(loadAppConfig({ ADMIN_HOST: host }).adminHost).toBe(host)
    }
    expect(() => loadAppConfig({ ADMIN_HOST: '0.0.0.0' })).toThrow(/ADMIN_TOKEN: required when ADMIN_HOST/)
    expect(loadAppConfig({ ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN: token })).toMatchObject({ adminToken: token })
    try {
      loadAppConfig({ ADMIN_TOKEN: 'short-secret' })
      expect.unreachable()
    } catch (error) {
      expect((error as Error).message).toContain('ADMIN_TOKEN: must be 32 characters or more')
      expect((error as Error).message).not.toContain('short-secret')
    }
  })

  it('reads SESSION_SECRET as a rotation list, newest first, each 32 characters or more', () => {
    const [next, current] = ['n'.repeat(32), 'c'.repeat(40)]
    expect(loadAppConfig({ SESSION_SECRET: `${next}, ${current}` }).sessionSecrets).toEqual([next, current])
    expect(() => loadAppConfig({ SESSION_SECRET: `${next},short` })).toThrow(/SESSION_SECRET/)
  })

  it('reads the variables, treating empty ones as unset', () => {
    const config = loadAppConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://app@db/app',
      RATE_LIMIT_PER_MINUTE: '600',
      APP_INSTANCES: '',
    })
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', rateLimitPerMinute: 600, instances: 1 })
  })

  it('lists every bad variable in one E_INVALID_CONFIG, without echoing the values', () => {
    try {
      loadAppConfig({ PORT: '70000', DATABASE_URL: 'mysql://u:hunter2@db/x', RATE_LIMIT_PER_MINUTE: '0' })
      expect.unreachable()
    } catch (error) {
      expect(isRedlayerError(error, 'E_INVALID_CONFIG')).toBe(true)
      const { message } = error as Error
      expect(message).toContain('PORT')
      expect(message).toContain('DATABASE_URL')
      expect(message).toContain('RATE_LIMIT_PER_MINUTE')
      expect(message).not.toContain('hunter2')
    }
  })
})

describe('redactDatabaseUrl', () => {
  it('hides the password only', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app')
    expect(redactDatabaseUrl('postgres://db/app')).toBe('postgres://db/app')
  })
})
