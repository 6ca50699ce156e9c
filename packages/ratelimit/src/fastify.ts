import { parseOrThrow } from '@redlayer/connection/internal'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { z } from 'zod'
import { HttpLimit, type HttpLimitOptions, httpLimitShape, retryAfterText } from './http/http-limit.js'
import type { RateLimiter } from './rate-limiter.js'
import type { RateLimitResult } from './result.js'

/** Who a request counts against: an id from the request (an API key, a user id); its address by default. */
export type SubjectOf = NonNullable<HttpLimitOptions<FastifyRequest>['subject']>
/** What a request costs, in tokens. */
export type CostOf = (request: FastifyRequest) => number

/** Per route, in `config.rateLimit`: `false` exempts the route; an object overrides the plugin's settings. */
export interface RouteRateLimitConfig {
  limiter?: RateLimiter
  subject?: SubjectOf
  cost?: number | CostOf
}

/** What an `errorResponseBuilder` gets besides the request. */
export interface RateLimitedContext {
  readonly statusCode: 429
  readonly result: RateLimitResult
  /** `1 second`, `3 seconds`: how long until the same request is admitted. */
  readonly after: string
}

export interface RateLimitPluginOptions extends HttpLimitOptions<FastifyRequest> {
  /** `true` (default): every route is limited unless its config says `rateLimit: false`; `false`: only routes with a `rateLimit` config. */
  global?: boolean
  /** What is thrown for a denial (so `setErrorHandler` sees it); a `RateLimitedError` by default. */
  errorResponseBuilder?: (request: FastifyRequest, context: RateLimitedContext) => unknown
}

/**
 * A denied request, thrown from the hook so that Fastify's error handling answers it: the default
 * handler sends `{ statusCode: 429, error: 'Too Many Requests', message }`; a `setErrorHandler`
 * can shape it (`error.result` is the decision).
 */
export class RateLimitedError extends Error {
  readonly statusCode = 429
  readonly result: RateLimitResult

  constructor(result: RateLimitResult) {
    super(`Rate limit exceeded, retry in ${retryAfterText(result)}`)
    this.name = 'RateLimitedError'
    this.result = result
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimitConfig | false
  }
  interface FastifyRequest {
    /** The decision taken for this request, when its route is limited (a handler may `refund` with it). */
    rateLimit: RateLimitResult | null
  }
}

const schema = z.strictObject({
  ...httpLimitShape,
  global: z.boolean().optional(),
  errorResponseBuilder: z
    .custom<RateLimitPluginOptions['errorResponseBuilder']>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
})

/** Set once a request was decided, so that a plugin registered in a parent and a child scope counts it once. */
const decided = Symbol('redlayer.rateLimit.decided')

async function plugin(fastify: FastifyInstance, options: RateLimitPluginOptions): Promise<void> {
  parseOrThrow(schema, options, '@redlayer/ratelimit/fastify options')
  const limit = new HttpLimit<FastifyRequest>(options, (request) => request.ip)
  const global = options.global ?? true
  const build = options.errorResponseBuilder ?? ((_request, context) => new RateLimitedError(context.result))
  // Registrable in any number of scopes: the decorator is made once.
  if (!fastify.hasRequestDecorator('rateLimit')) fastify.decorateRequest('rateLimit', null)
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.config.rateLimit
    if (route === false || (route === undefined && !global)) return
    const seen = request as FastifyRequest & { [decided]?: true }
    if (seen[decided]) return
    seen[decided] = true
    const verdict = await limit.decide(request, route ?? {})
    if (!verdict.limited) return
    request.rateLimit = verdict.result
    reply.headers(verdict.headers)
    if (!verdict.result.allowed) {
      throw build(request, { statusCode: 429, result: verdict.result, after: retryAfterText(verdict.result) })
    }
  })
}

/**
 * A Fastify plugin that applies a rate limiter to routes (ADR-0012): every response of a limited
 * route carries the rate-limit headers (`headers`: the IETF draft's by default, `legacy`
 * `x-ratelimit-*`, or `both`), and a denied request is thrown as a 429 (`RateLimitedError`, or
 * what `errorResponseBuilder` returns) through Fastify's error handling, before its handler runs.
 */
export const rateLimitPlugin = fastifyPlugin(plugin, { fastify: '5.x', name: '@redlayer/ratelimit' })

/** The draft's `quota-exceeded` problem body of a decision, for an error handler that answers with it. */
export { quotaExceeded } from './http/http-limit.js'
