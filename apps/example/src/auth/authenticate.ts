import { RedlayerError } from '@redlayer/connection'
import { isRedisUnavailableError } from '@redlayer/resilience'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Identity, Logins } from './logins.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; null for an anonymous request (ADR-0041). */
    identity: Identity | null
    /** Why a token could not be checked (Redis unavailable): routes that need a user answer with it. */
    identityError: Error | null
  }
}

const BEARER = /^Bearer ([^\s]{1,256})$/i

function unauthorized(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="redlayer-example", error="invalid_token"')
    .send({ statusCode: 401, error: 'Unauthorized', code: 'E_UNAUTHENTICATED', message })
}

/**
 * ADR-0041: reads `Authorization: Bearer <token>` on every request of the scope, before its rate
 * limit, so the limit is keyed on the user. No header: anonymous. A token that is malformed,
 * unknown or expired: 401 at once. While Redis is unavailable the token cannot be checked: the
 * request goes on as anonymous (public routes keep serving, limited by address) and a route that
 * needs the user answers 503.
 */
export function authenticate(scope: FastifyInstance, logins: Logins): void {
  scope.decorateRequest('identity', null)
  scope.decorateRequest('identityError', null)
  scope.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization
    if (header === undefined) return
    const token = BEARER.exec(header)?.[1]
    if (token === undefined) return unauthorized(reply, 'expected Authorization: Bearer <token>')
    try {
      request.identity = await logins.identify(token)
    } catch (error) {
      if (!isRedisUnavailableError(error)) throw error
      request.identityError = error
      return
    }
    if (request.identity === null)
      return unauthorized(reply, 'the token is unknown or has expired: log in again')
  })
}

/** The caller, for a route that needs one: `E_UNAUTHENTICATED` (401) when anonymous. */
export function requireUser(request: FastifyRequest): Identity {
  if (request.identity !== null) return request.identity
  if (request.identityError !== null) throw request.identityError
  throw new RedlayerError(
    'E_UNAUTHENTICATED',
    'this route needs a signed-in user: POST /api/login, then send Authorization: Bearer <token>',
  )
}
