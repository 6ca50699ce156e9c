import { mastersOf, type RedisClient } from '@redlayer/connection'
import { batchedScript, groupKeys, LuaScript } from '@redlayer/connection/internal'
import { flushNamespace, type Keyspace } from '@redlayer/keyspace'
import { type RedisGuard, sharedRedisGuard } from '@redlayer/resilience'
import session from 'express-session'
import {
  type ExpressSerializer,
  type ExpressSessionStoreOptions,
  type ResolvedExpressOptions,
  resolveExpressOptions,
} from './express-options.js'

type SessionData = session.SessionData
type Callback<T> = (error?: unknown, value?: T) => void

const here = (file: string) => new URL(file, import.meta.url)
// ADR-0033: one script per call, on the session's one key (and the user's index on its own).
const SCRIPTS = {
  get: new LuaScript('redlayerExpress_get', here('./express-get.lua')),
  set: new LuaScript('redlayerExpress_set', here('./express-set.lua')),
  index: new LuaScript('redlayerExpress_index', here('./express-index.lua')),
  revoke: new LuaScript('redlayerExpress_revoke', here('./express-revoke.lua')),
}
/**
 * The least life of a revocation mark: longer than a request runs, since express-session writes a
 * session back at the end of the request that loaded it (ADR-0033).
 */
const REVOCATION_MARK_MS = 5 * 60_000
// Issue 18: the reads and the writes of one tick after its first share one script call each
// (`batchedScript`: in order, each answered as if alone), and its one guarded run (ADR-0013,
// "Shared runs").
const readSession = batchedScript(SCRIPTS.get)
const writeSession = batchedScript(SCRIPTS.set)

/**
 * An express-session Store on ioredis, a drop-in for connect-redis (whose options it takes):
 * every method answers its callback, or returns a promise when given none (connect-redis 8).
 * A session lives exactly as long as its cookie (never longer: ADR-0033), optionally capped by
 * `absoluteTtl`; with `userOf`, a per-user index lists and ends a user's sessions. While Redis is
 * down every call fails with `E_REDIS_UNAVAILABLE` (ADR-0013), so express-session answers with
 * an error rather than a request that hangs or a session silently lost.
 */
export class RedlayerExpressStore<N extends string = string> extends session.Store {
  readonly #redis: RedisClient
  readonly #keyspace: Keyspace<N>
  readonly #namespace: N
  readonly #guard: RedisGuard
  readonly #o: ResolvedExpressOptions

  constructor(options: ExpressSessionStoreOptions<N>) {
    super()
    this.#o = resolveExpressOptions(options)
    this.#redis = options.redis
    this.#keyspace = options.keyspace
    this.#namespace = options.namespace
    this.#guard = options.guard ?? sharedRedisGuard(options.redis)
    void LuaScript.prepare(options.redis)
  }

  /** The client (connect-redis' `client`). */
  get client(): RedisClient {
    return this.#redis
  }
  /** What every session key starts with: the namespace's prefix. */
  get prefix(): string {
    return this.#o.prefix
  }
  /** Seconds (or a function of the session) for a session whose cookie has no expiry. */
  get ttl(): number | ((data: SessionData) => number) {
    return this.#o.ttl
  }
  get scanCount(): number {
    return this.#o.scanCount
  }
  get serializer(): ExpressSerializer {
    return this.#o.serializer
  }
  get disableTouch(): boolean {
    return this.#o.disableTouch
  }
  /** Always false: every redlayer key expires. */
  get disableTTL(): false {
    return false
  }

  override get(
    sid: string,
    callback?: Callback<SessionData | null>,
  ): Promise<SessionData | null | undefined> {
    return answer(callback, async () => {
      const text = (await this.#guard.runShared('express-session.get', (shared) =>
        readSession(this.#redis, [this.#key(sid)], [this.#o.absoluteTtlMs], shared),
      )) as string | null
      return text === null ? null : await this.#o.serializer.parse(text)
    })
  }

  override set(sid: string, data: SessionData, callback?: Callback<void>): Promise<void> {
    return answer(callback, async () => {
      const ttlMs = this.#ttlMs(data)
      const key = this.#key(sid)
      const user = this.#userOf(data)
      const applied =
        ttlMs <= 0
          ? await this.#unlink(key)
          : ((await this.#guard.runShared('express-session.set', (shared) =>
              writeSession(
                this.#redis,
                [key],
                [
                  'set',
                  ttlMs,
                  this.#o.absoluteTtlMs,
                  this.#o.serializer.stringify(data),
                  user ?? '',
                  String(sid),
                ],
                shared,
              ),
            )) as number)
      if (user !== undefined) await this.#index(user, sid, applied)
    })
  }

  override touch(sid: string, data: SessionData, callback?: Callback<void>): Promise<void> {
    return answer(callback, async () => {
      if (this.#o.disableTouch) return
      const ttlMs = Math.max(this.#ttlMs(data), 1)
      await this.#guard.runShared('express-session.touch', (shared) =>
        writeSession(
          this.#redis,
          [this.#key(sid)],
          ['touch', ttlMs, this.#o.absoluteTtlMs, '', '', ''],
          shared,
        ),
      )
    })
  }

  override destroy(sid: string, callback?: Callback<void>): Promise<void> {
    return answer(callback, async () => {
      await this.#unlink(this.#key(sid))
    })
  }

  /** Every session id of the namespace, read a SCAN page at a time (each page its own guarded call). */
  ids(callback?: Callback<string[]>): Promise<string[] | undefined> {
    return answer(callback, async () => {
      const ids: string[] = []
      await this.#pages(async (node, keys) => {
        for (const [, fields] of await this.#read(node, keys)) ids.push(fields.id)
      })
      return ids
    })
  }

  /** Every session, each with its `id` (connect-redis' shape), a page at a time. */
  override all(
    callback?: Callback<(SessionData & { id: string })[]>,
  ): Promise<(SessionData & { id: string })[] | undefined> {
    return answer(callback, async () => {
      const sessions: (SessionData & { id: string })[] = []
      await this.#pages(async (node, keys) => {
        for (const [, { id, text }] of await this.#read(node, keys)) {
          sessions.push({ ...(await this.#o.serializer.parse(text)), id })
        }
      })
      return sessions
    })
  }

  override length(callback?: Callback<number>): Promise<number | undefined> {
    return answer(callback, async () => {
      // Read, not counted from the SCAN: a revocation mark is a key but no session.
      let count = 0
      await this.#pages(async (node, keys) => {
        count += (await this.#read(node, keys)).size
      })
      return count
    })
  }

  /**
   * Deletes every session of the namespace, a page at a time: each SCAN and UNLINK is bounded by
   * the connection's command timeout, and an error stops it there (nothing goes on after it).
   */
  override clear(callback?: Callback<void>): Promise<void> {
    return answer(callback, async () => {
      // Through the breaker's gate: refused at once while it is open (the flush's own commands are
      // each bounded by the client's command timeout, not by one backstop for the whole scan).
      await this.#guard.run('express-session.clear', async () => undefined)
      const reason = this.#o.clearReason
      await flushNamespace(this.#redis, this.#keyspace, this.#namespace, {
        batchSize: this.#o.scanCount,
        force: reason !== undefined,
        ...(reason !== undefined && { reason }),
      })
    })
  }

  /** The ids of `userId`'s live sessions (`userOf` must be set); stale entries of the index are dropped. */
  async sessionsOf(userId: string | number): Promise<string[]> {
    const indexKey = this.#indexKey(userId)
    const members = (await this.#guard.run('express-session.sessions-of', () =>
      this.#redis.smembers(indexKey),
    )) as string[]
    const live: string[] = []
    for (const sid of members) {
      const owner = await this.#guard.run('express-session.sessions-of', () =>
        this.#redis.hget(this.#key(sid), 'u'),
      )
      if (owner === String(userId)) live.push(sid)
      else await this.#index(String(userId), sid, 0)
    }
    return live
  }

  /**
   * Ends every session of `userId` for good (a password change, a compromised account): in one
   * script call per slot, so at once on standalone and Sentinel (ADR-0033). Each ended session
   * becomes a short-lived mark that a request still holding it cannot write back. A login that
   * completes while this runs keeps its session. Resolves to how many sessions were ended.
   */
  async revokeAll(userId: string | number): Promise<number> {
    const user = String(userId)
    const indexKey = this.#indexKey(user)
    const markMs = this.#keyspace.ttl(this.#namespace, REVOCATION_MARK_MS)
    return this.#guard.run('express-session.revoke-all', async () => {
      const sids = await this.#redis.smembers(indexKey)
      let ended = 0
      for (const group of groupKeys(
        this.#redis,
        sids.map((sid) => this.#key(sid)),
      )) {
        ended += Number(await SCRIPTS.revoke.run(this.#redis, group.keys, [user, markMs]))
      }
      if (sids.length > 0) await this.#redis.srem(indexKey, ...sids)
      return ended
    })
  }

  #key(sid: string): string {
    // Any id express-session's `genid` makes: the keyspace escapes what is not key-safe and
    // hashes what is too long (ADR-0011).
    return this.#keyspace.key(this.#namespace, String(sid))
  }

  /** The id and serialized session of each key of a page, in one guarded pipeline; gone ones left out. */
  async #read(node: RedisClient, keys: string[]): Promise<Map<string, { id: string; text: string }>> {
    const replies = await this.#guard.run('express-session.read-page', () =>
      node.pipeline(keys.map((key) => ['hmget', key, 'i', 'd'])).exec(),
    )
    const found = new Map<string, { id: string; text: string }>()
    for (const [i, [error, fields]] of (replies ?? []).entries()) {
      const [id, text] = (fields ?? []) as (string | null)[]
      // Expired between the SCAN and the read, or not a session hash.
      if (!error && typeof id === 'string' && typeof text === 'string')
        found.set(keys[i] as string, { id, text })
    }
    return found
  }

  #indexKey(userId: string | number): string {
    return this.#keyspace.key(this.#namespace, 'user', String(userId))
  }

  #userOf(data: SessionData): string | undefined {
    const user = this.#o.userOf?.(data)
    return user === undefined || user === '' ? undefined : String(user)
  }

  /** Adds (`ttlMs` > 0) or removes the session in its user's index. */
  async #index(user: string, sid: string, ttlMs: number): Promise<void> {
    const key = this.#indexKey(user)
    const args = ttlMs > 0 ? ['add', sid, ttlMs] : ['remove', sid]
    await this.#guard.run('express-session.index', () => SCRIPTS.index.run(this.#redis, [key], args))
  }

  async #unlink(key: string): Promise<number> {
    await this.#guard.run('express-session.destroy', () => this.#redis.unlink(key))
    return 0
  }

  // ADR-0033: the cookie's remaining life exactly (never raised to a namespace minimum, never cut
  // to its maximum); without an expiry, the `ttl` option (seconds) or the namespace default.
  #ttlMs(data: SessionData): number {
    const expires = data.cookie?.expires
    if (expires) return new Date(expires).getTime() - Date.now()
    const ttl = this.#o.ttl
    return Math.round((typeof ttl === 'function' ? ttl(data) : ttl) * 1000)
  }

  /** Each SCAN page of the namespace on every master, its own guarded call; only this namespace's sessions. */
  async #pages(visit: (node: RedisClient, keys: string[]) => Promise<void>): Promise<void> {
    const pattern = this.#keyspace.pattern(this.#namespace)
    const index = `${this.#o.prefix}user:`
    for (const node of mastersOf(this.#redis)) {
      let cursor = '0'
      do {
        const [next, keys] = await this.#guard.run('express-session.scan', () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#o.scanCount),
        )
        cursor = next
        const own = keys.filter(
          (key) => this.#keyspace.classify(key) === this.#namespace && !key.startsWith(index),
        )
        if (own.length > 0) await visit(node, own)
      } while (cursor !== '0')
    }
  }
}

/**
 * Runs `work`: its result goes to `callback` when one is given (on the next tick, outside the
 * promise: a callback that throws is the caller's uncaught exception, not a lost rejection), and
 * the returned promise then always resolves; without a callback the promise carries the result.
 */
function answer<T>(callback: Callback<T> | undefined, work: () => Promise<T>): Promise<T | undefined> {
  const done = work()
  if (callback === undefined) return done
  return done.then(
    (value) => {
      process.nextTick(callback, undefined, value)
      return undefined
    },
    (error: unknown) => {
      process.nextTick(callback, error)
      return undefined
    },
  )
}
