import { randomBytes } from 'node:crypto'
import { RedlayerError } from '@redlayer/connection'
import type { EventSelection, SessionStore } from '@redlayer/session'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { requireUser } from '../auth/authenticate.js'
import { APP_NAME } from '../auth/logins.js'
import { input } from '../http/request-input.js'
import type { ExampleNamespace } from '../keyspace.js'

const sessionParam = z.object({ id: z.string().min(1).max(64) })
const createBody = z.object({ state: z.record(z.string(), z.unknown()).optional() })
const eventBody = z.object({
  id: z.string().min(1).max(128).optional(),
  type: z.string().min(1).max(64),
  data: z.unknown().optional(),
  expectedVersion: z.number().int().min(0).optional(),
})
const readQuery = z.object({
  events: z
    .string()
    .regex(/^(none|all|last:[1-9]\d{0,3})$/, 'none, all or last:N (N from 1 to 9999)')
    .default('last:50'),
})
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
})

function selection(events: string): EventSelection {
  if (events === 'none' || events === 'all') return events
  return { last: Number(events.slice('last:'.length)) }
}

// Neither a missing session nor someone else's is named in the answer.
const notFound = () => new RedlayerError('E_NOT_FOUND', 'no such session')

/**
 * Chat sessions over HTTP through `@redlayer/session`: create, append events, read, list the
 * caller's. Every route needs a signed-in user and touches only that user's sessions (ADR-0041):
 * a session of someone else answers 404, as one that does not exist, so ids cannot be probed.
 * While Redis is down every call answers 503 with a JSON body (fail-closed, ADR-0013).
 */
export function sessionRoutes(sessions: SessionStore<ExampleNamespace>) {
  /** The caller's session id from the path; 404 when it is not the caller's (decided from the id). */
  const ownedSession = (request: FastifyRequest): string => {
    const { userId } = requireUser(request)
    const { id } = input(sessionParam, request.params, 'path')
    if (!sessions.isOwnedBy(id, { appName: APP_NAME, userId })) throw notFound()
    return id
  }

  return async (api: FastifyInstance) => {
    api.post('/sessions', async (request, reply) => {
      const { userId } = requireUser(request)
      const body = input(createBody, request.body, 'body')
      const session = await sessions.create({ appName: APP_NAME, userId, state: body.state ?? {} })
      return reply.code(201).header('location', `/api/sessions/${session.id}`).send(session)
    })

    api.get('/sessions/:id', async (request) => {
      const id = ownedSession(request)
      const { events } = input(readQuery, request.query, 'query')
      const session = await sessions.get(id, { events: selection(events) })
      if (session === null) throw notFound()
      return session
    })

    api.post('/sessions/:id/events', async (request, reply) => {
      const id = ownedSession(request)
      const { expectedVersion, ...event } = input(eventBody, request.body, 'body')
      // ADR-0013: the event id is the retry's key. Chosen here when the client sent none, and
      // returned with every answer (also a 503 whose outcome is unknown), so a retry with it is
      // applied at most once.
      const eventId = event.id ?? randomBytes(16).toString('base64url')
      reply.header('redlayer-event-id', eventId)
      const result = await sessions.appendEvent(
        id,
        { ...event, id: eventId },
        expectedVersion === undefined ? {} : { expectedVersion },
      )
      switch (result.status) {
        case 'appended':
          return reply.code(201).send({ eventId, ...result })
        case 'duplicate':
          return { eventId, ...result }
        case 'conflict':
          return reply.code(409).send({
            statusCode: 409,
            error: 'Conflict',
            ...result,
            message: `the session is at version ${result.currentVersion}: read it and retry`,
          })
        case 'not-found':
          throw notFound()
      }
    })

    api.get('/sessions', async (request) => {
      const { userId } = requireUser(request)
      const { limit, cursor } = input(listQuery, request.query, 'query')
      return sessions.listSessions({
        appName: APP_NAME,
        userId,
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      })
    })
  }
}
