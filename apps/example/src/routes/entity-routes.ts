import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Database } from '../db/database.js'
import { readCounts } from '../db/fenced-counts.js'
import type { EntityService } from '../entities/entity-service.js'
import { idParam, input } from '../http/request-input.js'

const kind = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'a kind is 1-32 characters of a-z 0-9 -, starting with a letter')
const name = z.string().trim().min(1).max(200)
const description = z.string().max(2_000)

const searchQuery = z.object({
  kind: kind.optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
})
const createBody = z.object({ kind, name, description: description.optional() })
const patchBody = z
  .object({ kind: kind.optional(), name: name.optional(), description: description.optional() })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'nothing to change')

/**
 * Entities: reads through the `entity` and `cache:query` caches (header `x-source: cache|database`
 * says which answered), writes to the database and then invalidate.
 */
export function entityRoutes(service: EntityService, db: Database) {
  return async (api: FastifyInstance) => {
    api.get('/entities', async (request, reply) => {
      const search = input(searchQuery, request.query, 'query')
      const { page, source } = await service.search(search)
      reply.header('x-source', source)
      return { ...page, limit: search.limit, offset: search.offset }
    })

    api.get('/entities/:id', async (request, reply) => {
      const { id } = input(idParam, request.params, 'path')
      const { entity, source } = await service.get(id)
      reply.header('x-source', source)
      if (!entity)
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no entity ${id}` })
      return entity
    })

    api.post('/entities', async (request, reply) => {
      const entity = await service.create(input(createBody, request.body, 'body'))
      return reply.code(201).header('location', `/api/entities/${entity.id}`).send(entity)
    })

    api.patch('/entities/:id', async (request, reply) => {
      const { id } = input(idParam, request.params, 'path')
      const entity = await service.update(id, input(patchBody, request.body, 'body'))
      if (!entity)
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no entity ${id}` })
      return entity
    })

    // What the recount job last wrote, straight from the database (with the fence of the run).
    api.get('/entity-counts', async () => ({ counts: await readCounts(db) }))
  }
}
