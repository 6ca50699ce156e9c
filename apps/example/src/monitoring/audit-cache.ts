import type { RedisClient } from '@redlayer/connection'
import { auditKeyspace, type Keyspace, type KeyspaceAudit } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'

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
}

/**
 * The keyspace audit (ADR-0011) for the monitoring report and the metrics, taken at most once per
 * `maxAgeMs` however many requests ask (concurrent askers share one run) and bounded in keys. While
 * Redis is unavailable it keeps answering with the last audit, or null.
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
    const audit = await guard.run(
      'monitoring.audit',
      () => auditKeyspace(redis, keyspace, { maxKeys, sampleSize }),
      {
        fallback: () => null,
      },
    )
    if (audit) this.#last = { audit, takenAt: Date.now() }
    return this.#last
  }
}
