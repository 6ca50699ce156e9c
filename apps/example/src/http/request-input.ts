import { RedlayerError } from '@redlayer/connection'
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
