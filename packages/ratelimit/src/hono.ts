import { parseOrThrow } from '@redlayer/connection/internal'
import type { Context, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { HttpLimit, type HttpLimitOptions, httpLimitShape, quotaExceeded } from './http/http-limit.js'
import type { RateLimitResult } from './result.js'

export interface HonoRateLimitOptions extends HttpLimitOptions<Context> {
  /**
   * The client address of a request. By default the socket's, as `@hono/node-server` exposes it
   * (`c.env.incoming`); on another runtime (or behind a proxy you trust) say where it is.
   */
  address?: (c: Context) => string | undefined
  /** Answers a denied request; a 429 `application/problem+json` with the headers by default. */
  handler?: (
    c: Context,
    result: RateLimitResult,
    headers: Readonly<Record<string, string>>,
  ) => Response | Promise<Response>
}

const fn = (value: unknown) => typeof value === 'function'
const schema = z.strictObject({
  ...httpLimitShape,
  address: z.custom<HonoRateLimitOptions['address']>(fn, 'must be a function').optional(),
  handler: z.custom<HonoRateLimitOptions['handler']>(fn, 'must be a function').optional(),
})

const socketAddress = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
    ?.remoteAddress

/**
 * A Hono middleware that applies a rate limiter (ADR-0012), with the options of the Fastify
 * plugin. The decision is in `c.get('rateLimit')`.
 */
export function rateLimiter(options: HonoRateLimitOptions): MiddlewareHandler {
  parseOrThrow(schema, options, '@redlayer/ratelimit/hono options')
  const limit = new HttpLimit<Context>(options, options.address ?? socketAddress)
  return async (c, next) => {
    const verdict = await limit.decide(c)
    if (!verdict.limited) return next()
    c.set('rateLimit' as never, verdict.result as never)
    if (!verdict.result.allowed) {
      if (options.handler !== undefined) return options.handler(c, verdict.result, verdict.headers)
      return c.body(JSON.stringify(quotaExceeded(verdict.result)), 429, {
        ...verdict.headers,
        'content-type': 'application/problem+json',
      })
    }
    await next()
    for (const [name, value] of Object.entries(verdict.headers)) c.res.headers.set(name, value)
  }
}
