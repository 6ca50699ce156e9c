import { RedlayerError } from '@redlayer/connection'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { requireUser } from '../auth/authenticate.js'
import type { Logins } from '../auth/logins.js'
import type { Users } from '../auth/users.js'
import { input } from '../http/request-input.js'

const credentials = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '3-64 characters of a-z 0-9 . _ -'),
  password: z.string().min(12, 'at least 12 characters').max(256),
})

/**
 * Sign-up, log-in and log-out (ADR-0041). `POST /users` registers a name and password,
 * `POST /login` answers a bearer token, `POST /logout` ends it, `GET /me` says who the token is.
 * These routes are limited by address, like every anonymous request.
 */
export function authRoutes(users: Users, logins: Logins) {
  return async (api: FastifyInstance) => {
    api.post('/users', async (request, reply) => {
      const { name, password } = input(credentials, request.body, 'body')
      return reply.code(201).send(await users.register(name, password))
    })

    api.post('/login', async (request) => {
      const { name, password } = input(credentials, request.body, 'body')
      const user = await users.authenticate(name, password)
      if (user === null) throw new RedlayerError('E_UNAUTHENTICATED', 'wrong user name or password')
      const { token, expiresAt } = await logins.open(user)
      return { tokenType: 'Bearer', token, expiresAt }
    })

    api.post('/logout', async (request, reply) => {
      requireUser(request)
      const token = request.headers.authorization?.split(' ')[1] ?? ''
      await logins.close(token)
      return reply.code(204).send()
    })

    api.get('/me', async (request) => requireUser(request))
  }
}
