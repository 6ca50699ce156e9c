import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** The secret a request presents: a bearer token, or the password of HTTP Basic (what a browser prompts for). */
function presented(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const [scheme, value] = header.split(' ', 2)
  if (value === undefined) return undefined
  if (scheme?.toLowerCase() === 'bearer') return value
  if (scheme?.toLowerCase() !== 'basic') return undefined
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : decoded.slice(colon + 1)
}

/**
 * ADR-0041: the admin listener's gate. With a token configured, every request must present it,
 * as `Authorization: Bearer <token>` (Prometheus, curl) or as the password of HTTP Basic (a
 * browser on the status page; any user name), compared in constant time. Without one the
 * listener is open to whoever can reach it, which the configuration allows on loopback only.
 */
export function adminAccess(scope: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return
  const expected = digest(token)
  scope.addHook('onRequest', async (request, reply) => {
    const given = presented(request.headers.authorization)
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return
    return reply.code(401).header('www-authenticate', 'Basic realm="redlayer admin", charset="UTF-8"').send({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'E_UNAUTHENTICATED',
      message: 'the admin token is required',
    })
  })
}
