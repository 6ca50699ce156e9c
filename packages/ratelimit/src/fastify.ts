import type { KeyPart } from '@redlayer/keyspace'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { rateLimitHeaders } from './headers.js'
import type { RateLimiter } from './rate-limiter.js'
import type { RateLimitResult } from './result.js'

/** Who a request counts against: an id from the request (an API key, a user id); the IP by default. */
export type SubjectOf = (request: FastifyRequest) => KeyPart | Promise<KeyPart>
/** What a request costs, in tokens. */
export type CostOf = (request: FastifyRequest) => number

/** Per route, in `config.rateLimit`: `false` exempts the route; an object overrides the plugin's settings. */
export interface RouteRateLimitConfig {
  limiter?: RateLimiter
  subject?: SubjectOf
  cost?: number | CostOf
}

export interface RateLimitPluginOptions {
  /** The limiter of every route that does not name its own. */
  limiter: RateLimiter
  /** `request.ip` when omitted. */
  subject?: SubjectOf
  /** 1 token when omitted. */
  cost?: number | CostOf
  /** `true` (default): every route is limited unless its config says `rateLimit: false`; `false`: only routes with a `rateLimit` config. */
  global?: boolean
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

const bySourceAddress: SubjectOf = (request) => request.ip

async function plugin(fastify: FastifyInstance, options: RateLimitPluginOptions): Promise<void> {
  if (!options?.limiter) throw new TypeError('@redlayer/ratelimit/fastify: the `limiter` option is required')
  const global = options.global ?? true
  fastify.decorateRequest('rateLimit', null)
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.config.rateLimit
    if (route === false || (route === undefined && !global)) return
    const limiter = route?.limiter ?? options.limiter
    const subject = await (route?.subject ?? options.subject ?? bySourceAddress)(request)
    const costOption = route?.cost ?? options.cost ?? 1
    const cost = typeof costOption === 'function' ? costOption(request) : costOption
    const result = await limiter.consume(subject, { cost })
    request.rateLimit = result
    reply.headers(rateLimitHeaders(result))
    if (!result.allowed) {
      // The draft's "quota-exceeded" problem type (RFC 9457 problem details).
      return reply
        .code(429)
        .type('application/problem+json')
        .send({
          type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
          title: 'Rate limit exceeded',
          status: 429,
          detail: `Retry in ${Math.ceil(result.retryAfterMs / 1000)} s`,
          'violated-policies': result.violated,
          retryAfterMs: result.retryAfterMs,
        })
    }
  })
}

/**
 * A Fastify plugin that applies a rate limiter to routes (ADR-0012): every response of a limited
 * route carries the `RateLimit-Policy` and `RateLimit` headers, and a denied request is answered
 * 429 with `Retry-After` and an `application/problem+json` body of the draft's `quota-exceeded`
 * type (with `violated-policies` and `retryAfterMs`), before its handler runs.
 */
export const rateLimitPlugin = fastifyPlugin(plugin, { fastify: '5.x', name: '@redlayer/ratelimit' })
