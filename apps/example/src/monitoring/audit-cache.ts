import type { RedisClient } from '@redlayer/connection'
import { auditKeyspace, type Keyspace, type KeyspaceAudit } from '@redlayer/keyspace'
import { isRedisUnavailableError, type RedisGuard } from '@redlayer/resilience'

export interface AuditCacheOptions {
  redis: RedisClient
  keyspace: Keyspace<string>
  guard: RedisGuard
  /** How long an audit is reused (10 s by default): a SCAN of the keyspace is not per request. */
  maxAgeMs?: number
  /** Keys scanned at most per audit (100 000 by default); the audit then says `complete: false`. */
  maxKeys?: number
  /** Keys per namespace measured with MEMORY USAGE (20 by default). */
  sampleSize?: number
}

export interface CachedAudit {
  readonly audit: KeyspaceAudit
  /** When it was taken, epoch ms. */
  readonly takenAt: number
  /** True when a newer audit was due but could not be taken (Redis unavailable): an old figure. */
  readonly stale: boolean
}

/**
 * The keyspace audit (ADR-0011) for the monitoring report and the metrics, taken at most once per
 * `maxAgeMs` however many requests ask (concurrent askers share one run) and bounded in keys, a
 * guarded call per page. While Redis is unavailable it keeps answering with the last audit (its
 * `takenAt` says how old), or null.
 */
export class AuditCache {
  readonly #options: Required<AuditCacheOptions>
  #last: CachedAudit | null = null
  #running: Promise<CachedAudit | null> | null = null

  constructor(options: AuditCacheOptions) {
    this.#options = { maxAgeMs: 10_000, maxKeys: 100_000, sampleSize: 20, ...options }
  }

  get last(): CachedAudit | null {
    return this.#last
  }

  async get(now = Date.now()): Promise<CachedAudit | null> {
    if (this.#last && now - this.#last.takenAt < this.#options.maxAgeMs) return this.#last
    this.#running ??= this.#take().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #take(): Promise<CachedAudit | null> {
    const { redis, keyspace, guard, maxKeys, sampleSize } = this.#options
    // Issue 17: each page of the audit is a guarded call of its own (`monitoring.audit`, kept out
    // of the operation window), so a large keyspace is many short calls under the command
    // timeout, not one that times out and counts as an outage.
    try {
      const audit = await auditKeyspace(redis, keyspace, {
        maxKeys,
        sampleSize,
        step: (call) => guard.run('monitoring.audit', call),
      })
      this.#last = { audit, takenAt: Date.now(), stale: false }
    } catch (error) {
      if (!isRedisUnavailableError(error)) throw error
      if (this.#last) this.#last = { ...this.#last, stale: true }
    }
    return this.#last
  }
}
