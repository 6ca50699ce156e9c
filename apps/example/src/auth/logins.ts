import { parseSessionId, type SessionStore } from '@redlayer/session'
import type { ExampleNamespace } from '../keyspace.js'
import type { User } from './users.js'

/** Who a request comes from, once its bearer token is verified. */
export interface Identity {
  /** The user's id as text: what sessions are owned by and rate limits are keyed on. */
  readonly userId: string
  readonly name: string
}

/** The application name login sessions and chat sessions are filed under (owner = app + user, ADR-0033). */
export const APP_NAME = 'redlayer-example'

/** Whether a presented token has the shape of a session id (`parseSessionId`, ADR-0033). */
function isToken(token: string): boolean {
  try {
    parseSessionId(token)
    return true
  } catch {
    return false
  }
}

/**
 * Login sessions (ADR-0041): a bearer token is the id of a session in the `login` namespace, 144
 * random bits from the OS source, whose state names the user. Verifying one is one read; logging
 * out deletes it. They expire at the namespace's TTL, sliding with none: a token lives its
 * lifetime and no longer.
 */
export class Logins {
  readonly #store: SessionStore<ExampleNamespace>

  constructor(store: SessionStore<ExampleNamespace>) {
    this.#store = store
  }

  async open(user: User): Promise<{ token: string; expiresAt: Date }> {
    const session = await this.#store.create({
      appName: APP_NAME,
      userId: String(user.id),
      state: { name: user.name },
    })
    return { token: session.id, expiresAt: session.expiresAt }
  }

  /** The token's user, or null for a token that is malformed, unknown, expired or logged out. */
  async identify(token: string): Promise<Identity | null> {
    if (!isToken(token)) return null
    const session = await this.#store.get<{ name?: unknown }>(token)
    if (session === null || session.appName !== APP_NAME) return null
    return { userId: session.userId, name: typeof session.state.name === 'string' ? session.state.name : '' }
  }

  /** Ends the login; false when it had already ended. */
  async close(token: string): Promise<boolean> {
    return isToken(token) ? this.#store.delete(token) : false
  }
}
