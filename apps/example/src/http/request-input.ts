import { RedlayerError } from '@redlayer/connection'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'

/** Validates a request's params, query or body; a bad one is `E_BAD_REQUEST` (HTTP 400) listing every problem. */
export function input<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || what}: ${issue.message}`)
  throw new RedlayerError('E_BAD_REQUEST', `invalid ${what}: ${problems.join('; ')}`, {
    details: { problems },
  })
}

export const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) })

/** Fields a JSON request body may hold, counted over every object key and array element. */
export const MAX_BODY_FIELDS = 512
/** Bytes a JSON request body may hold (Fastify answers 413 above). */
export const MAX_BODY_BYTES = 256 * 1024

/** The fields of a parsed JSON value, stopping as soon as the count passes `max`. */
function fieldCount(value: unknown, max: number): number {
  let count = 0
  const pending: unknown[] = [value]
  while (pending.length > 0 && count <= max) {
    const next = pending.pop()
    if (next === null || typeof next !== 'object') continue
    const children = Array.isArray(next) ? next : Object.values(next)
    count += children.length
    pending.push(...children.slice(0, max + 1))
  }
  return count
}

/**
 * Issue 17: JSON bodies bounded in fields as well as bytes, so a body of a few kilobytes cannot
 * ask a script for thousands of arguments. Parsed by Fastify's own parser (prototype-poisoning
 * checks included), then counted: above `MAX_BODY_FIELDS` it is `E_TOO_MANY_FIELDS` (400).
 */
export function boundedJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (request, body, done) =>
      parse(request, body as string, (error, value) => {
        if (error) return done(error, undefined)
        if (fieldCount(value, MAX_BODY_FIELDS) <= MAX_BODY_FIELDS) return done(null, value)
        done(
          new RedlayerError('E_TOO_MANY_FIELDS', `the body has more than ${MAX_BODY_FIELDS} fields`, {
            details: { maxFields: MAX_BODY_FIELDS },
          }),
          undefined,
        )
      }),
  )
}
