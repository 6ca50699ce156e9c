import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { input } from '../http/request-input.js'
import { type RecountOptions, recountEntities } from '../jobs/recount-job.js'

const recountQuery = z.object({ waitMs: z.coerce.number().int().min(0).max(30_000).default(0) })

/**
 * `POST /jobs/recount`: recompute the entity counts under the job's lock. 200 with the run's
 * fence and counts; 409 `busy` when another run holds the lock past `waitMs`; 503 while Redis is
 * down (a lock is never granted without it).
 */
export function jobRoutes(options: Omit<RecountOptions, 'waitMs'>) {
  return async (api: FastifyInstance) => {
    api.post('/jobs/recount', async (request, reply) => {
      const { waitMs } = input(recountQuery, request.query, 'query')
      const result = await recountEntities({ ...options, waitMs })
      if (result.status === 'busy') {
        return reply.code(409).send({
          statusCode: 409,
          error: 'Conflict',
          status: 'busy',
          message: 'a recount is running (one holder at a time); retry later or pass ?waitMs=',
        })
      }
      return result
    })
  }
}
