import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

/** What the app needs of PostgreSQL: parameterized queries and transactions. */
export interface Queryable {
  query<Row extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>
}

/** The source of truth: PostgreSQL through `pg`, or an embedded PGlite database. */
export interface Database extends Queryable, AsyncDisposable {
  /** `postgres` (a server at DATABASE_URL) or `pglite` (embedded, in memory). */
  readonly kind: 'postgres' | 'pglite'
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
}

/**
 * Opens PostgreSQL at `url` (a pool), or, without one, an embedded in-memory PGlite database:
 * the app then needs nothing but Node to start. The caller creates the schema (`migrate`).
 */
export async function openDatabase(url: string | undefined): Promise<Database> {
  return url ? openPostgres(url) : openPglite()
}

async function openPglite(): Promise<Database> {
  const db = await PGlite.create()
  const run = async <Row>(target: Pick<PGlite, 'query'>, sql: string, params?: readonly unknown[]) =>
    (await target.query<Row>(sql, params ? [...params] : undefined)).rows
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params) })),
    async [Symbol.asyncDispose]() {
      await db.close()
    },
  }
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 })
  // An idle client that loses its server emits on the pool; the next query reports the problem.
  pool.on('error', () => {})
  const run = async <Row>(target: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) =>
    (await target.query(sql, params ? [...params] : undefined)).rows as Row[]
  await run(pool, 'SELECT 1')
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn({ query: (sql, params) => run(client, sql, params) })
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    async [Symbol.asyncDispose]() {
      await pool.end()
    },
  }
}
