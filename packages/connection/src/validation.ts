import type { z } from 'zod'
import { RedlayerError } from './errors.js'

/** One line per problem zod found: `path: message`, the path left out at the top level. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.')
    return path === '' ? issue.message : `${path}: ${issue.message}`
  })
}

/** One typed error listing every problem; `details.problems` carries them for programs. */
export function invalidInput<Code extends string>(code: Code, what: string, problems: readonly string[]) {
  return new RedlayerError(code, `Invalid ${what}:\n- ${problems.join('\n- ')}`, {
    details: { problems: [...problems] },
  })
}

/**
 * Parses `value` with `schema`, or throws one error listing every problem at once (`code`,
 * `E_INVALID_OPTIONS` by default). Options are validated like this once, at construction, and
 * arguments at the edge of each public call.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  code = 'E_INVALID_OPTIONS',
): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  throw invalidInput(code, what, zodProblems(parsed.error))
}
