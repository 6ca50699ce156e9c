import { describe, expect, it } from 'vitest'
import { loadAppConfig } from '../src/app-config.js'
import { type Database, openDatabase } from '../src/db/database.js'
import { migrate } from '../src/db/schema.js'
import { type AppFixture, type FixtureOptions, startAppFixture } from './app-fixture.js'
import { describeEntityEndpoints } from './entity-suite.js'
import { createThrowawayDatabase, databaseExists } from './postgres-database.js'
import { describeRecountJob } from './recount-suite.js'

// The PostgreSQL path (DATABASE_URL set -> `pg`): the entity and recount suites of the embedded
// database, each over a database of its own on a real PostgreSQL server, created here and dropped
// when the suite ends, even when it failed. No server is a failure that says how to point the
// tests at one (REDLAYER_TEST_DATABASE_URL), never a skip.

/** The app over a new database, with DATABASE_URL read as `npm start` reads it. */
async function startOverPostgres(options: FixtureOptions = {}): Promise<AppFixture> {
  const database = await createThrowawayDatabase()
  try {
    const { databaseUrl } = loadAppConfig({ DATABASE_URL: database.url })
    const fixture = await startAppFixture({ ...options, databaseUrl })
    return {
      ...fixture,
      async [Symbol.asyncDispose]() {
        try {
          await fixture[Symbol.asyncDispose]()
        } finally {
          await database[Symbol.asyncDispose]()
        }
      },
    }
  } catch (error) {
    await database[Symbol.asyncDispose]()
    throw error
  }
}

describe('over PostgreSQL', () => {
  it('opens the server at DATABASE_URL (pg), seeds it, and drops the database afterwards', async () => {
    let name: string
    {
      await using fixture = await startOverPostgres()
      expect(fixture.db.kind).toBe('postgres')
      const [row] = await fixture.db.query<{ db: string; n: number }>(
        'SELECT current_database() AS db, (SELECT count(*)::int FROM entities) AS n',
      )
      expect(row?.n).toBeGreaterThan(0)
      name = row?.db ?? ''
      expect(name).toMatch(/^redlayer_example_[0-9a-f]{16}$/)
    }
    expect(await databaseExists(name)).toBe(false)
  })

  describe('entities', () => describeEntityEndpoints(startOverPostgres))
  describe('recount job', () => describeRecountJob(startOverPostgres))
})

describe('the pg Database', () => {
  it('survives the server ending a connection inside a transaction: that transaction fails, the next one runs', async () => {
    await using database = await createThrowawayDatabase()
    await using db = await openDatabase(database.url)
    await migrate(db)
    const ended = db.transaction(async (tx) => {
      const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      // An administrator (or a failover) ends this backend while the transaction is open.
      await db.query('SELECT pg_terminate_backend($1)', [me?.pid])
      await tx.query("UPDATE entities SET name = 'lost' WHERE id = 1")
    })
    await expect(ended).rejects.toThrow()
    const [row] = await db.transaction((tx) =>
      tx.query<{ name: string }>('SELECT name FROM entities WHERE id = 1'),
    )
    expect(row?.name).not.toBe('lost')
  })
})

describe('migrate over PostgreSQL', () => {
  it('seeds once when several instances start at once against one empty database', async () => {
    await using database = await createThrowawayDatabase()
    const instances = await Promise.all(Array.from({ length: 4 }, () => openDatabase(database.url)))
    try {
      const results = await Promise.all(instances.map((db) => migrate(db)))
      const seeded = results.map((r) => r.seeded).filter((n) => n > 0)
      expect(seeded).toHaveLength(1)
      const [row] = await (instances[0] as Database).query<{ n: number }>(
        'SELECT count(*)::int AS n FROM entities',
      )
      expect(row?.n).toBe(seeded[0])
    } finally {
      await Promise.all(instances.map((db) => db[Symbol.asyncDispose]()))
    }
  })
})
