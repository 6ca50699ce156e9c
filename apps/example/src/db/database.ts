import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { RedlayerError } from '@redlayer/connection'
import pg from 'pg'
import { redactDatabaseUrl } from '../app-config.js'

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

export interface OpenDatabaseOptions {
  /**
   * Where the embedded database keeps the template of an empty data directory (see
   * `openPglite`); `node_modules/.cache/redlayer-example` of the app by default, `false` for none.
   */
  templateDir?: URL | false
}

const DEFAULT_TEMPLATE_DIR = new URL('../../node_modules/.cache/redlayer-example/', import.meta.url)

/** The installed PGlite's version, which names its template (its package.json is not exported). */
function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'))
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Opens PostgreSQL at `url` (a pool), or, without one, an embedded in-memory PGlite database:
 * the app then needs nothing but Node to start. The caller creates the schema (`migrate`).
 */
export async function openDatabase(
  url: string | undefined,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  return url ? openPostgres(url) : openPglite(options.templateDir ?? DEFAULT_TEMPLATE_DIR)
}

/**
 * A fresh PGlite. Its `initdb` runs in WebAssembly and takes seconds (6 to 12 s on the shared
 * 2-core test machine); loading a dump of an empty data directory takes about 1.5 s. So the
 * first start saves that dump (per PGlite version) and later starts load it: every database
 * still starts empty, only initdb is skipped. A missing or unreadable template means initdb.
 */
async function createPglite(templateDir: URL | false): Promise<PGlite> {
  if (templateDir === false) return PGlite.create()
  const file = new URL(`pglite-${pgliteVersion()}-empty.tar`, templateDir)
  const template = await readFile(file).catch(() => undefined)
  if (template) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([template]) })
    } catch {
      // Unreadable (truncated, another format): initdb below replaces it.
    }
  }
  const db = await PGlite.create()
  try {
    const dump = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer())
    await mkdir(templateDir, { recursive: true })
    // Written aside then renamed: a concurrent start never reads half a template.
    const partial = new URL(
      `${file.pathname.split('/').at(-1)}.${randomBytes(6).toString('hex')}`,
      templateDir,
    )
    await writeFile(partial, dump)
    await rename(partial, file)
  } catch {
    // No template (read-only tree, full disk): the next start runs initdb again, nothing worse.
  }
  return db
}

async function openPglite(templateDir: URL | false): Promise<Database> {
  const db = await createPglite(templateDir)
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
  try {
    await run(pool, 'SELECT 1')
  } catch (error) {
    await pool.end().catch(() => {})
    throw new RedlayerError(
      'E_DATABASE_UNREACHABLE',
      `PostgreSQL at ${redactDatabaseUrl(url)} did not answer: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect()
      // A checked-out client has no listener of the pool's: a connection that ends mid-transaction
      // (server restart, failover, terminated backend) would emit an unhandled 'error' and end the
      // process. The query in flight reports it; the client is then discarded, not pooled again.
      let broken: Error | undefined
      const onError = (error: Error) => {
        broken = error
      }
      client.on('error', onError)
      try {
        await client.query('BEGIN')
        const result = await fn({ query: (sql, params) => run(client, sql, params) })
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken ??= rollbackError
        })
        throw error
      } finally {
        client.off('error', onError)
        client.release(broken)
      }
    },
    async [Symbol.asyncDispose]() {
      await pool.end()
    },
  }
}
