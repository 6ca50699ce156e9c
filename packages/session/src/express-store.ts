import { mastersOf, type RedisClient, RedlayerError } from '@redlayer/connection'
import { flushNamespace, type Keyspace } from '@redlayer/keyspace'
import { type RedisGuard, sharedRedisGuard } from '@redlayer/resilience'
import session from 'express-session'

export interface ExpressSessionStoreOptions<N extends string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The namespace of HTTP sessions; its TTL policy bounds each cookie's lifetime. */
  namespace: N
  guard?: RedisGuard
  /**
   * The reason recorded when `clear()` flushes the namespace. Sessions are `disruptive` to
   * flush (ADR-0011): without a reason, `clear()` is refused with `E_FLUSH_REFUSED`.
   */
  clearReason?: string
  /** Keys read per SCAN step in `all()`, `length()` and `clear()`. */
  scanCount?: number
}

type Callback<T = void> = (error?: unknown, value?: T) => void
type SessionData = session.SessionData

const MAX_SID_LENGTH = 256

/**
 * An express-session Store on ioredis (connect-redis 9 dropped ioredis). Values are the session
 * as JSON, each with a TTL from its cookie, bounded by the namespace policy. While Redis is down
 * every call fails with `E_REDIS_UNAVAILABLE` (ADR-0013): express-session then answers with an
 * error rather than a request that hangs or a session silently lost.
 */
export class RedlayerExpressStore<N extends string = string> extends session.Store {
  readonly #redis: RedisClient
  readonly #keyspace: Keyspace<N>
  readonly #namespace: N
  readonly #guard: RedisGuard
  readonly #clearReason: string | undefined
  readonly #scanCount: number

  constructor(options: ExpressSessionStoreOptions<N>) {
    super()
    this.#redis = options.redis
    this.#keyspace = options.keyspace
    this.#namespace = options.namespace
    this.#keyspace.namespace(options.namespace) // an unknown namespace fails here, not on first use
    this.#guard = options.guard ?? sharedRedisGuard(options.redis)
    this.#clearReason = options.clearReason
    this.#scanCount = options.scanCount ?? 500
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    settle(callback, async () => {
      const json = await this.#guard.run('express-session.get', () => this.#redis.get(this.#key(sid)))
      return json === null ? null : (JSON.parse(json) as SessionData)
    })
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    settle(callback, async () => {
      const key = this.#key(sid)
      const ttl = this.#ttl(data)
      if (ttl <= 0) {
        await this.#guard.run('express-session.destroy', () => this.#redis.unlink(key))
        return
      }
      await this.#guard.run('express-session.set', () =>
        this.#redis.set(key, JSON.stringify(data), 'PX', ttl),
      )
    })
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    settle(callback, async () => {
      const ttl = this.#ttl(data)
      await this.#guard.run('express-session.touch', () =>
        this.#redis.pexpire(this.#key(sid), Math.max(ttl, 1)),
      )
    })
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(callback, async () => {
      await this.#guard.run('express-session.destroy', () => this.#redis.unlink(this.#key(sid)))
    })
  }

  override all(callback: Callback<SessionData[] | { [sid: string]: SessionData } | null>): void {
    settle(callback, async () => {
      const sessions: SessionData[] = []
      await this.#scan(async (keys) => {
        const values = await Promise.all(keys.map((key) => this.#redis.get(key)))
        for (const value of values) if (value !== null) sessions.push(JSON.parse(value) as SessionData)
      })
      return sessions
    })
  }

  override length(callback: Callback<number>): void {
    settle(callback, async () => {
      let count = 0
      await this.#scan(async (keys) => {
        count += keys.length
      })
      return count
    })
  }

  override clear(callback?: Callback): void {
    settle(callback, async () => {
      await this.#guard.run('express-session.clear', () =>
        flushNamespace(this.#redis, this.#keyspace, this.#namespace, {
          force: this.#clearReason !== undefined,
          ...(this.#clearReason !== undefined && { reason: this.#clearReason }),
        }),
      )
    })
  }

  #key(sid: string): string {
    if (typeof sid !== 'string' || sid.length === 0 || sid.length > MAX_SID_LENGTH) {
      throw new RedlayerError('E_INVALID_SESSION_ID', 'Not an express-session id.')
    }
    return this.#keyspace.key(this.#namespace, sid)
  }

  // The cookie's own expiry when it has one, else the namespace default; always within policy.
  #ttl(data: SessionData): number {
    const expires = data.cookie?.expires
    if (expires) {
      const left = new Date(expires).getTime() - Date.now()
      return left <= 0 ? 0 : this.#keyspace.ttl(this.#namespace, left)
    }
    return this.#keyspace.ttl(this.#namespace)
  }

  // SCAN on every master, keeping only this namespace's keys (not a nested namespace's).
  async #scan(visit: (keys: string[]) => Promise<void>): Promise<void> {
    const pattern = this.#keyspace.pattern(this.#namespace)
    await this.#guard.run('express-session.scan', async () => {
      for (const node of mastersOf(this.#redis)) {
        let cursor = '0'
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#scanCount)
          cursor = next
          const own = keys.filter((key) => this.#keyspace.classify(key) === this.#namespace)
          if (own.length > 0) await visit(own)
        } while (cursor !== '0')
      }
    })
  }
}

function settle<T>(callback: Callback<T> | undefined, work: () => Promise<T>): void {
  work().then(
    (value) => callback?.(undefined, value),
    (error: unknown) => callback?.(error),
  )
}
