import type { RateLimitResult } from './result.js'

/**
 * The HTTP response headers of a decision (names as the IETF draft spells them). A type alias, not
 * an interface, so that it is assignable to a header record (`reply.headers(...)`).
 */
export type RateLimitHeaders = {
  'RateLimit-Policy': string
  RateLimit?: string
  'Retry-After'?: string
}

// Limit names are restricted to [A-Za-z0-9_-] at construction, so they are valid sf-strings as is.
const quoted = (name: string) => `"${name}"`
const seconds = (ms: number) => Math.ceil(ms / 1000)

/**
 * ADR-0012: the headers of draft-ietf-httpapi-ratelimit-headers (draft 11), as Structured Field
 * lists with one item per limit: `RateLimit-Policy: "burst";q=20;w=2` (quota `q` tokens, window `w`
 * seconds: the time an empty bucket takes to fill) and `RateLimit: "burst";r=3;t=1` (`r` whole
 * tokens left; `t` the draft's "effective window", the seconds, rounded up, during which no more
 * than `r` can be spent: until the next whole token; left out when the bucket is full). On a denial,
 * `Retry-After` in whole seconds, rounded up, so a client that waits exactly that long is admitted;
 * no `t` then exceeds it. When the limiter could not reach Redis and
 * failed open or closed, the live state is unknown: `RateLimit` is left out.
 */
export function rateLimitHeaders(result: RateLimitResult): RateLimitHeaders {
  const headers: RateLimitHeaders = {
    'RateLimit-Policy': result.limits
      .map((limit) => `${quoted(limit.name)};q=${Math.floor(limit.capacity)};w=${seconds(limit.windowMs)}`)
      .join(', '),
  }
  const retryAfter = result.allowed ? undefined : Math.max(1, seconds(result.retryAfterMs))
  const stateKnown = result.degraded === false || result.degraded.mode === 'local-fallback'
  if (stateKnown) {
    headers.RateLimit = result.limits
      .map((limit) => {
        const item = `${quoted(limit.name)};r=${limit.remaining}`
        if (limit.nextTokenMs <= 0) return item
        // A shorter window is still true ("no more than r until then"), and the draft asks that
        // Retry-After never point before the end of an effective window.
        const window = seconds(limit.nextTokenMs)
        return `${item};t=${retryAfter === undefined ? window : Math.min(window, retryAfter)}`
      })
      .join(', ')
  }
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter)
  return headers
}
