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
    })
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
