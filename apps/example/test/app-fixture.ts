import { randomBytes } from 'node:crypto'
import { createRedis, loadRedisConfig, type RedisClient } from '@redlayer/connection'
import { type RedisProcess, startRedis } from '@redlayer/testkit'
import type { FastifyInstance } from 'fastify'
import { type AppOptions, buildApp, type ExampleApp } from '../src/app.js'
import { type Database, openDatabase } from '../src/db/database.js'
import { migrate } from '../src/db/schema.js'

export interface AppFixture extends AsyncDisposable {
  /** The API listener (`/api/*`, `/health`). */
  readonly app: FastifyInstance
  /** The admin listener (`/status`, `/monitoring/redis`, `/metrics`, `/jobs/recount`). */
  readonly admin: FastifyInstance
  readonly server: RedisProcess
  readonly client: RedisClient
  readonly db: Database
  readonly keyPrefix: string
}

export type FixtureOptions = Partial<Omit<AppOptions, 'redis' | 'db' | 'mode' | 'keyPrefix'>> & {
  /** A server shared by several apps of one file (each under its own key prefix); a fresh one when omitted. */
  server?: RedisProcess
  /** PostgreSQL at this URL (what DATABASE_URL holds); a fresh embedded database when omitted. */
  databaseUrl?: string
  /** REDIS_COMMAND_TIMEOUT_MS (200: an outage costs the tests little time). */
  commandTimeoutMs?: number
}

/** Starts the app over one database or another: `startAppFixture`, or over a PostgreSQL of its own. */
export type StartFixture = (options?: FixtureOptions) => Promise<AppFixture>

/**
 * The app as `npm start` builds it, in process: a real redis-server (testkit), the database
 * (`databaseUrl`, else a fresh embedded one) migrated and seeded by `migrate`, its own random key prefix, and a 200 ms command timeout so an
 * outage costs the tests little time. Disposing closes the app, the client, the database, and the
 * server when the fixture started it.
 */
export async function startAppFixture(options: FixtureOptions = {}): Promise<AppFixture> {
  const { server: given, databaseUrl, commandTimeoutMs = 200, ...appOptions } = options
  const server = given ?? (await startRedis())
  const keyPrefix = `t${randomBytes(6).toString('hex')}`
  const config = loadRedisConfig({
    REDIS_URL: server.url,
    REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
    REDIS_KEY_PREFIX: keyPrefix,
  })
  const client = createRedis(config)
  let db: Database | undefined
  let built: ExampleApp | undefined
  const close = async () => {
    await built?.api.close()
    client.disconnect()
    await db?.[Symbol.asyncDispose]()
    if (!given) await server[Symbol.asyncDispose]()
  }
  try {
    db = await openDatabase(databaseUrl)
    await migrate(db)
    built = await buildApp({
      redis: client,
      mode: config.mode,
      keyPrefix: config.keyPrefix,
      db,
      sessionSecret: randomBytes(32).toString('base64url'),
      ...appOptions,
    })
    await Promise.all([built.api.ready(), built.admin.ready()])
    const { api: app, admin } = built
    return { app, admin, server, client, db, keyPrefix, [Symbol.asyncDispose]: close }
  } catch (error) {
    // Half a fixture (the database did not answer, the app did not build): close what opened.
    await close().catch(() => {})
    throw error
  }
}

/** The password every test user signs up with. */
export const TEST_PASSWORD = 'correct horse battery staple'

/**
 * Signs `name` up (once) and logs in, from `remoteAddress` (the two calls count against that
 * address's limit): the headers that make a request that user's.
 */
export async function signIn(
  app: FastifyInstance,
  name: string,
  remoteAddress = '127.0.0.1',
): Promise<{ authorization: string }> {
  const payload = { name, password: TEST_PASSWORD }
  const registered = await app.inject({ method: 'POST', url: '/api/users', payload, remoteAddress })
  if (registered.statusCode !== 201 && registered.statusCode !== 409) {
    throw new Error(`sign-up of ${name} answered ${registered.statusCode}: ${registered.body}`)
  }
  const login = await app.inject({ method: 'POST', url: '/api/login', payload, remoteAddress })
  if (login.statusCode !== 200)
    throw new Error(`login of ${name} answered ${login.statusCode}: ${login.body}`)
  return { authorization: `Bearer ${login.json<{ token: string }>().token}` }
}
