import { randomBytes } from 'node:crypto'
import type { EventSelection, SessionStore } from '@redlayer/session'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { input } from '../http/request-input.js'
import type { ExampleNamespace } from '../keyspace.js'

/** The application name sessions are filed under (the owner is app + user, ADR-0033). */
export const SESSION_APP = 'redlayer-example'

const userId = z.string().min(1).max(128)
const sessionParam = z.object({ id: z.string().min(1).max(64) })
const createBody = z.object({ userId, state: z.record(z.string(), z.unknown()).optional() })
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

const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `no session ${id}` })

/**
 * Chat sessions over HTTP through `@redlayer/session`: create, append events, read, list a user's.
 * While Redis is down every call answers 503 with a JSON body (fail-closed, ADR-0013).
 */
export function sessionRoutes(sessions: SessionStore<ExampleNamespace>) {
  return async (api: FastifyInstance) => {
    api.post('/sessions', async (request, reply) => {
      const body = input(createBody, request.body, 'body')
      const session = await sessions.create({
        appName: SESSION_APP,
        userId: body.userId,
        state: body.state ?? {},
      })
      return reply.code(201).header('location', `/api/sessions/${session.id}`).send(session)
    })

    api.get('/sessions/:id', async (request, reply) => {
      const { id } = input(sessionParam, request.params, 'path')
      const { events } = input(readQuery, request.query, 'query')
      const session = await sessions.get(id, { events: selection(events) })
      return session ?? reply.code(404).send(notFound(id))
    })

    api.post('/sessions/:id/events', async (request, reply) => {
      const { id } = input(sessionParam, request.params, 'path')
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
          return reply.code(404).send(notFound(id))
      }
    })

    api.get('/users/:userId/sessions', async (request) => {
      const params = input(z.object({ userId }), request.params, 'path')
      const { limit, cursor } = input(listQuery, request.query, 'query')
      return sessions.listSessions({
        appName: SESSION_APP,
        userId: params.userId,
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      })
    })
  }
}
