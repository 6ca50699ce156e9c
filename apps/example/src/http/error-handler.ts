import { isRedlayerError } from '@redlayer/connection'
import { quotaExceeded, RateLimitedError } from '@redlayer/ratelimit/fastify'
import { isRedisUnavailableError } from '@redlayer/resilience'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorLogBudget } from './error-log.js'

const STATUS_BY_CODE: Record<string, number> = {
  E_BAD_REQUEST: 400,
  E_INVALID_ARGUMENT: 400,
  E_INVALID_ID: 400,
  E_INVALID_VALUE: 400,
  E_INVALID_SESSION_ID: 400,
  E_TOO_MANY_FIELDS: 400,
  E_UNAUTHENTICATED: 401,
  E_NOT_FOUND: 404,
  E_USER_EXISTS: 409,
  E_FENCED: 409,
  E_LOCK_LOST: 409,
  E_REDIS_UNAVAILABLE: 503,
  E_REDIS_FULL: 503,
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

// ADR-0013: the guard says whether the command may still be applied. A timed-out write can run
// when a hung Redis resumes, so "nothing was changed" is only said when it is true.
type Outcome = 'not-applied' | 'unknown'

function outcomeOf(error: unknown): Outcome {
  return isRedisUnavailableError(error) && error.details.outcome === 'unknown' ? 'unknown' : 'not-applied'
}

const MESSAGES: Record<Outcome, string> = {
  'not-applied':
    'Redis is unavailable and this request needs it: nothing was changed (ADR-0013: sessions and locks fail closed). Retry shortly.',
  unknown:
    'Redis is unavailable and did not answer in time: the change may or may not have been applied. Retry with the same event id (redlayer-event-id), which is applied at most once.',
}

/**
 * Errors as JSON with a stable `code`; a rate-limit denial as a `quota-exceeded` problem. Redis unavailable is a 503 with `Retry-After`: what the
 * request needed (sessions, locks) fails closed while Redis is down (ADR-0013). Unexpected errors
 * are logged and answered without their message, which may hold internals.
 */
export function errorHandler(budget = new ErrorLogBudget()) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    sendError(error, request, reply, budget)
}

function sendError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  budget: ErrorLogBudget,
): FastifyReply {
  // ADR-0012: a denial of the rate limit (its headers are set already), as the draft's problem type.
  if (error instanceof RateLimitedError) {
    return reply.code(429).type('application/problem+json').send(quotaExceeded(error.result))
  }
  if (isRedlayerError(error)) {
    const status = STATUS_BY_CODE[error.code]
    if (status !== undefined) {
      if (status === 503) {
        reply.header('retry-after', '1')
        return reply.code(503).send({
          statusCode: 503,
          error: REASONS[503],
          code: error.code,
          outcome: outcomeOf(error),
          message: MESSAGES[outcomeOf(error)],
        })
      }
      if (status === 401) reply.header('www-authenticate', 'Bearer realm="redlayer-example"')
      return reply
        .code(status)
        .send({ statusCode: status, error: REASONS[status], code: error.code, message: error.message })
    }
  }
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return reply.code(error.statusCode).send({
      statusCode: error.statusCode,
      error: REASONS[error.statusCode] ?? 'Client Error',
      code: error.code,
      message: error.message,
    })
  }
  // The logger's serializer keeps the error's class and command name, not its arguments
  // (safeError); during an outage at most a few lines per window (ErrorLogBudget).
  const { log, suppressed } = budget.take()
  if (log) request.log.error({ err: error, ...(suppressed > 0 && { suppressed }) }, 'request failed')
  return reply
    .code(500)
    .send({ statusCode: 500, error: REASONS[500], message: 'unexpected error; see the server log' })
}
