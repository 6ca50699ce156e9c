import { hasMethods } from '@redlayer/connection/internal'
import type { KeyPart } from '@redlayer/keyspace'
import { z } from 'zod'
import { rateLimitHeaders } from '../headers.js'
import type { RateLimiter } from '../rate-limiter.js'
import type { RateLimitResult } from '../result.js'
import { clientAddress } from './client-address.js'

/** Which rate-limit headers a response carries: the IETF draft's (default), the `x-ratelimit-*` ones, both, or none. */
export type HeaderMode = 'draft' | 'legacy' | 'both' | 'none'
/**
 * What a request whose `subject` yields nothing (a missing API-key header) counts against:
 * its client address (default), nothing (`skip`: not limited), or one bucket all such requests
 * share (`shared`).
 */
export type NoSubjectPolicy = 'address' | 'skip' | 'shared'

/** The options every HTTP adapter takes (Fastify, Express, Hono), for a request of type `R`. */
export interface HttpLimitOptions<R> {
  /** The limiter of every request that does not name its own. */
  limiter: RateLimiter
  /** Who a request counts against; its client address when omitted. */
  subject?: (request: R) => KeyPart | undefined | Promise<KeyPart | undefined>
  /** What a request costs, in tokens (1). */
  cost?: number | ((request: R) => number)
  /** The limiter's tier for this request (issue 19: a plan from its session or token); the limiter's `tierOf` when omitted. */
  tier?: (request: R) => string | undefined
  noSubject?: NoSubjectPolicy
  /** Subjects (or a test of the request) that are never limited. */
  allowList?: readonly string[] | ((request: R, subject: KeyPart) => boolean | Promise<boolean>)
  headers?: HeaderMode
  /** The IPv6 network size a client address is grouped by (64). */
  ipv6Subnet?: number
  /** Called for an admitted request. */
  onExceeding?: (request: R, subject: KeyPart) => void
  /** Called for a denied request, before the 429. */
  onExceeded?: (request: R, subject: KeyPart) => void
}

/** What to do with one request: let it through untouched, or answer with its decision. */
export type Verdict =
  | { readonly limited: false }
  | {
      readonly limited: true
      readonly result: RateLimitResult
      readonly subject: KeyPart
      readonly headers: Readonly<Record<string, string>>
    }

const NOT_LIMITED: Verdict = { limited: false }
/** The one bucket of `noSubject: 'shared'`. */
const SHARED_SUBJECT = '(no subject)'

const isFunction = (value: unknown) => typeof value === 'function'
const fn = <T>() => z.custom<T>(isFunction, 'must be a function')

/** The schema of the shared options; each adapter extends it with its own and keeps it strict. */
export const httpLimitShape = {
  limiter: z.custom<RateLimiter>(hasMethods('consume'), 'must come from createRateLimiter()'),
  subject: fn<HttpLimitOptions<unknown>['subject']>().optional(),
  cost: z.union([z.number().positive(), fn<(request: unknown) => number>()]).optional(),
  tier: fn<HttpLimitOptions<unknown>['tier']>().optional(),
  noSubject: z.enum(['address', 'skip', 'shared']).optional(),
  allowList: z
    .union([z.array(z.string()).readonly(), fn<HttpLimitOptions<unknown>['allowList']>()])
    .optional(),
  headers: z.enum(['draft', 'legacy', 'both', 'none']).optional(),
  ipv6Subnet: z.number().int().min(1).max(128).optional(),
  onExceeding: fn<HttpLimitOptions<unknown>['onExceeding']>().optional(),
  onExceeded: fn<HttpLimitOptions<unknown>['onExceeded']>().optional(),
}

/**
 * The decision of one HTTP request, the same for every adapter (ADR-0012): its subject (the
 * option's, else its client address normalised), the allow list, the limiter's answer, the hooks
 * and the headers. `addressOf` reads the client address from the adapter's request.
 */
export class HttpLimit<R> {
  readonly headerMode: HeaderMode
  readonly #o: HttpLimitOptions<R>
  readonly #addressOf: (request: R) => string | undefined

  constructor(
    options: HttpLimitOptions<R>,
    addressOf: (request: R) => string | undefined,
    headerMode: HeaderMode = options.headers ?? 'draft',
  ) {
    this.#o = options
    this.#addressOf = addressOf
    this.headerMode = headerMode
  }

  async decide(
    request: R,
    route: Partial<Pick<HttpLimitOptions<R>, 'limiter' | 'subject' | 'cost'>> = {},
  ): Promise<Verdict> {
    const subject = await this.#subjectOf(request, route.subject ?? this.#o.subject)
    if (subject === undefined) return NOT_LIMITED
    const allow = this.#o.allowList
    if (allow !== undefined) {
      if (typeof allow === 'function' ? await allow(request, subject) : allow.includes(String(subject))) {
        return NOT_LIMITED
      }
    }
    const costOption = route.cost ?? this.#o.cost ?? 1
    const cost = typeof costOption === 'function' ? costOption(request) : costOption
    const tier = this.#o.tier?.(request)
    const result = await (route.limiter ?? this.#o.limiter).consume(
      subject,
      tier === undefined ? { cost } : { cost, tier },
    )
    if (result.allowed) this.#o.onExceeding?.(request, subject)
    else this.#o.onExceeded?.(request, subject)
    return { limited: true, result, subject, headers: httpHeaders(result, this.headerMode) }
  }

  async #subjectOf(request: R, subjectOf: HttpLimitOptions<R>['subject']): Promise<KeyPart | undefined> {
    const given = subjectOf === undefined ? undefined : await subjectOf(request)
    if (given !== undefined && given !== '') return given
    if (subjectOf !== undefined) {
      const policy = this.#o.noSubject ?? 'address'
      if (policy === 'skip') return undefined
      if (policy === 'shared') return SHARED_SUBJECT
    }
    const address = this.#addressOf(request)
    return address === undefined ? SHARED_SUBJECT : clientAddress(address, this.#o.ipv6Subnet)
  }
}

/**
 * The response headers of a decision: the draft's `RateLimit-Policy`/`RateLimit` (`draft`), the
 * `x-ratelimit-limit`, `-remaining` and `-reset` (seconds until the bucket is full again) most
 * APIs send (`legacy`), or both; `Retry-After` on a denial either way.
 */
export function httpHeaders(result: RateLimitResult, mode: HeaderMode): Record<string, string> {
  const draft: Record<string, string> = { ...rateLimitHeaders(result) }
  if (mode === 'none')
    return draft['Retry-After'] === undefined ? {} : { 'Retry-After': draft['Retry-After'] }
  if (mode === 'draft') return draft
  const legacy: Record<string, string> = { 'x-ratelimit-limit': String(result.limit) }
  // Without Redis (fail-open or fail-closed) the live state is unknown: no remaining or reset.
  if (result.degraded === false || result.degraded.mode === 'local-fallback') {
    legacy['x-ratelimit-remaining'] = String(result.remaining)
    legacy['x-ratelimit-reset'] = String(Math.ceil(result.resetMs / 1000))
  }
  if (draft['Retry-After'] !== undefined) legacy['Retry-After'] = draft['Retry-After']
  return mode === 'legacy' ? legacy : { ...draft, ...legacy }
}

/** `1 second`, `3 seconds`: how long until the same request is admitted, as @fastify/rate-limit words it. */
export function retryAfterText(result: RateLimitResult): string {
  const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000))
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

/** The draft's `quota-exceeded` problem (RFC 9457), the body of a 429 from Express and Hono. */
export function quotaExceeded(result: RateLimitResult) {
  return {
    type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
    title: 'Rate limit exceeded',
    status: 429,
    detail: `Rate limit exceeded, retry in ${retryAfterText(result)}`,
    'violated-policies': result.violated,
    retryAfterMs: result.retryAfterMs,
  }
}
