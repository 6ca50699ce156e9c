import { RedlayerError } from '@redlayer/connection'
import type { Database } from '../db/database.js'
import { hashPassword, noOnesHash, verifyPassword } from './passwords.js'

export interface User {
  readonly id: number
  readonly name: string
}

/** The `users` table: names and password hashes (ADR-0041). The database is the source of truth. */
export class Users {
  readonly #db: Database

  constructor(db: Database) {
    this.#db = db
  }

  /** A new user; `E_USER_EXISTS` (409) when the name is taken. */
  async register(name: string, password: string): Promise<User> {
    const hash = await hashPassword(password)
    const [row] = await this.#db.query<{ id: number }>(
      'INSERT INTO users (name, password_hash) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id',
      [name, hash],
    )
    if (row === undefined) throw new RedlayerError('E_USER_EXISTS', 'That user name is taken.')
    return { id: row.id, name }
  }

  /** The user when the name and password match; null otherwise, after the same work either way. */
  async authenticate(name: string, password: string): Promise<User | null> {
    const [row] = await this.#db.query<{ id: number; password_hash: string }>(
      'SELECT id, password_hash FROM users WHERE name = $1',
      [name],
    )
    const matches = await verifyPassword(password, row?.password_hash ?? (await noOnesHash()))
    return row !== undefined && matches ? { id: row.id, name } : null
  }
}
