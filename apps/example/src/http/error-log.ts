import { isRedlayerError } from '@redlayer/connection'

const HIDDEN = '(not logged: it may quote keys or values)'

type LoggedError = { type: string; message: string; stack: string; [key: string]: unknown }

/**
 * What a log line says of an error (issue 17): its class, code, status, the Redis command's name
 * and its stack frames, never the command's arguments (keys, session ids, values) nor a message
 * that may quote them (the stack's first line repeats the message: dropped). A redlayer error's
 * message is kept: the packages never put a key or value in one.
 */
export function safeError(error: unknown): LoggedError {
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: HIDDEN, stack: '' }
  const e = error as {
    name?: unknown
    code?: unknown
    statusCode?: unknown
    command?: { name?: unknown }
    cause?: unknown
    stack?: unknown
  }
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((line) => /^\s+at /.test(line)) : []
  const out: LoggedError = {
    type: typeof e.name === 'string' ? e.name : 'Error',
    message: isRedlayerError(error) ? error.message : HIDDEN,
    stack: frames.join('\n'),
  }
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode
  if (typeof e.command?.name === 'string') out.command = e.command.name
  if (e.cause !== undefined) out.cause = safeError(e.cause)
  return out
}

/** What a log line says of a request: its method and route pattern, never its URL (ids, tokens). */
export function safeRequest(request: { method?: string; id?: unknown; routeOptions?: { url?: string } }) {
  return { method: request.method, route: request.routeOptions?.url ?? '(no route)', id: request.id }
}

/**
 * At most `limit` unexpected-error lines per `windowMs` (an outage would otherwise write one per
 * request); the next line after a quiet window says how many were left out.
 */
export class ErrorLogBudget {
  readonly #limit: number
  readonly #windowMs: number
  #windowStart = 0
  #used = 0
  #suppressed = 0

  constructor(limit = 10, windowMs = 10_000) {
    this.#limit = limit
    this.#windowMs = windowMs
  }

  /** Whether to log this one, and how many were left out since the last logged line. */
  take(now = Date.now()): { log: boolean; suppressed: number } {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now
      this.#used = 0
    }
    if (this.#used >= this.#limit) {
      this.#suppressed++
      return { log: false, suppressed: 0 }
    }
    this.#used++
    const suppressed = this.#suppressed
    this.#suppressed = 0
    return { log: true, suppressed }
  }
}
