import { parseOrThrow } from '@redlayer/connection/internal'
import type { KeyPart } from '@redlayer/keyspace'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { z } from 'zod'
import {
  type HeaderMode,
  HttpLimit,
  type HttpLimitOptions,
  httpLimitShape,
  quotaExceeded,
} from './http/http-limit.js'
import type { RateLimitResult } from './result.js'

export interface ExpressRateLimitOptions extends Omit<HttpLimitOptions<Request>, 'subject'> {
  /** Who a request counts against (express-rate-limit's name); its address (`req.ip`) when omitted. */
  keyGenerator?: (req: Request, res: Response) => KeyPart | undefined | Promise<KeyPart | undefined>
  /** `subject` is accepted too, as in the Fastify plugin. */
  subject?: (req: Request) => KeyPart | undefined | Promise<KeyPart | undefined>
  /** Requests that are not limited at all. */
  skip?: (req: Request, res: Response) => boolean | Promise<boolean>
  /** Answers a denied request (the headers are set already); a 429 `application/problem+json` by default. */
  handler?: (req: Request, res: Response, next: NextFunction, result: RateLimitResult) => void
  /** express-rate-limit's switches for the draft's headers (on) and the `x-ratelimit-*` ones (off); `headers` wins. */
  standardHeaders?: boolean
  legacyHeaders?: boolean
}

const fn = (value: unknown) => typeof value === 'function'
const schema = z
  .strictObject({
    ...httpLimitShape,
    keyGenerator: z.custom<ExpressRateLimitOptions['keyGenerator']>(fn, 'must be a function').optional(),
    skip: z.custom<ExpressRateLimitOptions['skip']>(fn, 'must be a function').optional(),
    handler: z.custom<ExpressRateLimitOptions['handler']>(fn, 'must be a function').optional(),
    standardHeaders: z.boolean().optional(),
    legacyHeaders: z.boolean().optional(),
  })
  .refine(
    (o) => o.keyGenerator === undefined || o.subject === undefined,
    'give keyGenerator or subject, not both',
  )

function headerMode(options: ExpressRateLimitOptions): HeaderMode {
  if (options.headers !== undefined) return options.headers
  const standard = options.standardHeaders ?? true
  const legacy = options.legacyHeaders ?? false
  return standard && legacy ? 'both' : standard ? 'draft' : legacy ? 'legacy' : 'none'
}

/**
 * An Express middleware that applies a rate limiter (ADR-0012), with the options of the Fastify
 * plugin and express-rate-limit's names where they fit (`keyGenerator`, `skip`, `handler`,
 * `standardHeaders`, `legacyHeaders`). The decision is in `res.locals.rateLimit`; an error of the
 * limiter (a bad subject) goes to `next(error)`.
 */
export function rateLimitMiddleware(options: ExpressRateLimitOptions): RequestHandler {
  parseOrThrow(schema, options, '@redlayer/ratelimit/express options')
  const { keyGenerator } = options
  const subject =
    options.subject ??
    (keyGenerator === undefined ? undefined : (req: Request) => keyGenerator(req, req.res as Response))
  const limit = new HttpLimit<Request>(
    { ...options, subject },
    (req) => req.ip ?? req.socket.remoteAddress,
    headerMode(options),
  )
  return (req, res, next) => {
    void (async () => {
      if (options.skip !== undefined && (await options.skip(req, res))) return next()
      const verdict = await limit.decide(req)
      if (!verdict.limited) return next()
      res.locals.rateLimit = verdict.result
      res.set(verdict.headers)
      if (verdict.result.allowed) return next()
      if (options.handler !== undefined) return options.handler(req, res, next, verdict.result)
      res
        .status(429)
        .type('application/problem+json')
        .send(JSON.stringify(quotaExceeded(verdict.result)))
    })().catch(next)
  }
}
