import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { redactDatabaseUrl } from '../src/app-config.js'

/** Where the PostgreSQL tests create their databases: a server's maintenance database. */
export const TEST_DATABASE_URL_VARIABLE = 'REDLAYER_TEST_DATABASE_URL'
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export interface ThrowawayDatabase extends AsyncDisposable {
  /** The new database's URL, for DATABASE_URL. */
  readonly url: string
  readonly name: string
}

function testAdminUrl(): string {
  return process.env[TEST_DATABASE_URL_VARIABLE] || DEFAULT_ADMIN_URL
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw new Error(
      `The PostgreSQL tests need a server: ${redactDatabaseUrl(adminUrl)} did not answer (${(error as Error).message}). ` +
        `Start PostgreSQL there, or set ${TEST_DATABASE_URL_VARIABLE} to a postgres:// URL of a server's ` +
        'maintenance database (for example postgres://postgres@db.local:5432/postgres) as a user that may CREATE DATABASE.',
      { cause: error },
    )
  }
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * A database of its own on the test server (`REDLAYER_TEST_DATABASE_URL`, else the local
 * PostgreSQL as `postgres`), named `redlayer_example_<random>`; disposing drops it WITH (FORCE),
 * so connections a failed test left open do not keep it alive. Never skipped: without a server
 * this throws and says how to point it at one.
 */
export async function createThrowawayDatabase(adminUrl = testAdminUrl()): Promise<ThrowawayDatabase> {
  const name = `redlayer_example_${randomBytes(8).toString('hex')}`
  // The name is ours ([a-z0-9_]): safe to put in the statement, which takes no parameters.
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    async [Symbol.asyncDispose]() {
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
}

/** Whether the test server has a database of that name (a dropped one is gone). */
export async function databaseExists(name: string, adminUrl = testAdminUrl()): Promise<boolean> {
  const { rows } = await withAdmin(adminUrl, (admin) =>
    admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  )
  return rows.length > 0
}
