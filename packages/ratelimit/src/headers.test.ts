import { describe, expect, it } from 'vitest'
import { rateLimitHeaders } from './headers.js'
import type { LimitStatus, RateLimitResult } from './result.js'

const status = (overrides: Partial<LimitStatus>): LimitStatus => ({
  name: 'burst',
  capacity: 20,
  windowMs: 2_000,
  remaining: 3,
  resetMs: 1_700,
  nextTokenMs: 100,
  retryAfterMs: 0,
  violated: false,
  ...overrides,
})

const result = (overrides: Partial<RateLimitResult>): RateLimitResult => ({
  allowed: true,
  limit: 20,
  remaining: 3,
  resetMs: 1_700,
  retryAfterMs: 0,
  violated: [],
  blocked: false,
  degraded: false,
  limits: [status({})],
  ...overrides,
})

describe('rateLimitHeaders', () => {
  it('writes the policy and the live state as Structured Field lists', () => {
    expect(rateLimitHeaders(result({}))).toEqual({
      'RateLimit-Policy': '"burst";q=20;w=2',
      RateLimit: '"burst";r=3;t=1',
    })
  })

  it('leaves out the effective window of a full bucket (nothing to wait for)', () => {
    const full = result({ limits: [status({ remaining: 20, resetMs: 0, nextTokenMs: 0 })] })
    expect(rateLimitHeaders(full).RateLimit).toBe('"burst";r=20')
  })

  it('lists every limit and adds Retry-After in whole seconds, rounded up, on a denial', () => {
    const headers = rateLimitHeaders(
      result({
        allowed: false,
        retryAfterMs: 1_001,
        violated: ['hourly'],
        limits: [
          status({}),
          status({
            name: 'hourly',
            capacity: 1_000,
            windowMs: 3_600_000,
            remaining: 0,
            resetMs: 3_599_999,
            nextTokenMs: 1_001,
            retryAfterMs: 1_001,
            violated: true,
          }),
        ],
      }),
    )
    expect(headers).toEqual({
      'RateLimit-Policy': '"burst";q=20;w=2, "hourly";q=1000;w=3600',
      RateLimit: '"burst";r=3;t=1, "hourly";r=0;t=2',
      'Retry-After': '2',
    })
  })

  it('caps every effective window at Retry-After on a denial', () => {
    const headers = rateLimitHeaders(
      result({
        allowed: false,
        retryAfterMs: 400, // half a token of cost 0.5 missing; the next whole token is further
        limits: [status({ remaining: 0, nextTokenMs: 2_500, retryAfterMs: 400, violated: true })],
      }),
    )
    expect(headers).toMatchObject({ RateLimit: '"burst";r=0;t=1', 'Retry-After': '1' })
  })

  it('never sends Retry-After: 0 on a denial', () => {
    expect(rateLimitHeaders(result({ allowed: false, retryAfterMs: 0 }))['Retry-After']).toBe('1')
  })

  it('leaves out the unknown live state when Redis was down and the limiter failed open or closed', () => {
    const failOpen = rateLimitHeaders(
      result({ degraded: { mode: 'fail-open', reason: 'open', outcome: 'not-applied' } }),
    )
    expect(failOpen).toEqual({ 'RateLimit-Policy': '"burst";q=20;w=2' })
    const failClosed = rateLimitHeaders(
      result({
        allowed: false,
        retryAfterMs: 1_000,
        degraded: { mode: 'fail-closed', reason: 'timeout', outcome: 'unknown' },
      }),
    )
    expect(failClosed).toEqual({ 'RateLimit-Policy': '"burst";q=20;w=2', 'Retry-After': '1' })
    const local = rateLimitHeaders(
      result({ degraded: { mode: 'local-fallback', reason: 'error', outcome: 'not-applied' } }),
    )
    expect(local.RateLimit).toBe('"burst";r=3;t=1')
  })
})
