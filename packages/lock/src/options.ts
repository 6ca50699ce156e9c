import { invalidInput, parseOrThrow } from '@redlayer/connection/internal'
import { type Duration, durationSchema, type Keyspace } from '@redlayer/keyspace'
import { z } from 'zod'
import type { BackoffPolicy } from './backoff.js'
import { leaseMarginMs, MIN_TTL_MS } from './lease-clock.js'

/** Defaults a manager applies to every call; each call may override them. */
export const lockDefaultsSchema = z.object({
  /** The lease (a Duration); the namespace's default TTL when omitted. */
  ttl: durationSchema({ min: MIN_TTL_MS }).optional(),
  /** How long `acquire` waits for a contended lock before `E_LOCK_TIMEOUT` (10 s). */
  wait: durationSchema().default(10_000),
  /** Renew the lease while it is held (at a third of the TTL left). `withLock` always does. */
  autoExtend: z.boolean().default(false),
  /** Cap of the first backoff delay while contended (10 ms). */
  backoffBase: durationSchema({ min: 1 }).default(10),
  /** Largest backoff delay while contended (500 ms). */
  backoffMax: durationSchema({ min: 1 }).default(500),
  /** Serve the waiters of one resource in the order they came (issue 19, ADR-0030); off by default. */
  fair: z.boolean().default(false),
})

export type LockDefaults = z.input<typeof lockDefaultsSchema>

/** Per-call options of `acquire`, `tryAcquire`, `acquireMany` and `withLock`. */
export interface AcquireOptions {
  /** The lease (within the namespace's TTL bounds): ms, or a string such as `'30s'`. */
  ttl?: Duration
  /** How long to wait while contended (`tryAcquire`: 0 by default). */
  wait?: Duration
  /** Aborts the wait: `E_LOCK_ABORTED`. */
  signal?: AbortSignal
  /** Renew the lease while held; `lock.signal` still aborts before it could end. */
  autoExtend?: boolean
  /**
   * Wait in line: served after every fair waiter that came before, and never ahead of one
   * (issue 19, ADR-0030). One resource only. The manager's `fair` (false) by default.
   */
  fair?: boolean
}

const acquireOptionsSchema = z.object({
  ttl: durationSchema({ min: MIN_TTL_MS }).optional(),
  wait: durationSchema().optional(),
  signal: z.instanceof(AbortSignal).optional(),
  autoExtend: z.boolean().optional(),
  fair: z.boolean().optional(),
})

/** Options of `semaphore()`. */
export interface SemaphoreOptions extends Omit<AcquireOptions, 'signal'> {
  /** How many holders at once (at least 1). */
  limit: number
}

const semaphoreOptionsSchema = acquireOptionsSchema.omit({ signal: true }).extend({
  limit: z.number().int().min(1).max(1_000_000),
})

export interface ResolvedAcquireOptions {
  readonly ttlMs: number
  readonly waitMs: number
  readonly signal: AbortSignal | undefined
  readonly autoExtend: boolean
  readonly fair: boolean
}

/** The validated defaults of one manager, bound to its namespace's TTL bounds. */
export class LockPolicy {
  readonly backoff: BackoffPolicy
  /**
   * How long a fair waiter keeps its place after its last attempt (ADR-0030): longer than the
   * longest sleep between two attempts (`backoffMax`) and a slow round trip, so a live waiter
   * never loses it, and short enough that a vanished one holds the line up for seconds only.
   */
  readonly queueLivenessMs: number
  readonly #defaults: z.output<typeof lockDefaultsSchema>
  readonly #minMs: number
  readonly #maxMs: number
  readonly #defaultTtlMs: number

  constructor(defaults: LockDefaults, keyspace: Keyspace<string>, namespace: string) {
    this.#defaults = parse(lockDefaultsSchema, defaults)
    const ns = keyspace.namespace(namespace)
    const problems: string[] = []
    // ADR-0030 / ADR-0011: a flushed lock namespace would hand a held lock to a second holder and
    // restart the fence counters, so the namespace must be `forbidden` to flush; and locks fail
    // closed (ADR-0013), whatever the namespace says.
    if (ns.flushClass !== 'forbidden')
      problems.push(`namespace: flushClass must be 'forbidden', not '${ns.flushClass}'`)
    if (ns.whenRedisDown !== 'fail-closed') {
      problems.push(`namespace: whenRedisDown must be 'fail-closed', not '${ns.whenRedisDown}'`)
    }
    this.#minMs = Math.max(MIN_TTL_MS, ns.ttl.minMs)
    this.#maxMs = ns.ttl.maxMs
    this.#defaultTtlMs = this.#defaults.ttl ?? ns.ttl.defaultMs
    if (this.#defaults.backoffMax < this.#defaults.backoffBase) problems.push('backoffMax: below backoffBase')
    const ttlProblem = this.#ttlProblem(this.#defaultTtlMs)
    if (ttlProblem !== undefined) problems.push(`ttl: ${ttlProblem}`)
    if (problems.length > 0) throw invalidInput('E_INVALID_OPTIONS', 'lock options', problems)
    this.backoff = { baseMs: this.#defaults.backoffBase, maxMs: this.#defaults.backoffMax }
    this.queueLivenessMs = 2_000 + 4 * this.#defaults.backoffMax
  }

  /** Resolves a call's options; `wait` falls back to `overrides.waitMs` (0 for `tryAcquire`), then the default. */
  resolve(options: AcquireOptions | undefined, overrides: { waitMs?: number; autoExtend?: boolean } = {}) {
    // Options that are plainly valid (numbers of ms) skip zod (per call, it cost as much as the
    // rest of the acquisition's own code); anything else goes through the schema, which parses
    // duration strings and reports the problems.
    const parsed = (
      isPlainlyValid(options) ? (options ?? {}) : parse(acquireOptionsSchema, options ?? {})
    ) as {
      ttl?: number
      wait?: number
      signal?: AbortSignal
      autoExtend?: boolean
      fair?: boolean
    }
    const ttlMs = parsed.ttl ?? this.#defaultTtlMs
    this.assertTtl(ttlMs)
    return {
      ttlMs,
      waitMs: parsed.wait ?? overrides.waitMs ?? this.#defaults.wait,
      signal: parsed.signal,
      autoExtend: parsed.autoExtend ?? overrides.autoExtend ?? this.#defaults.autoExtend,
      fair: parsed.fair ?? this.#defaults.fair,
    } satisfies ResolvedAcquireOptions
  }

  /** Validates the options of `semaphore()`. */
  semaphore(options: SemaphoreOptions): ResolvedAcquireOptions & { readonly limit: number } {
    const { limit, ...rest } = parse(semaphoreOptionsSchema, options)
    return { ...this.resolve(rest), limit }
  }

  /** Throws `E_INVALID_OPTIONS` for a lease outside the namespace's bounds. */
  assertTtl(ttlMs: number): void {
    const problem = this.#ttlProblem(ttlMs)
    if (problem !== undefined) throw invalidInput('E_INVALID_OPTIONS', 'lock options', [`ttl: ${problem}`])
  }

  #ttlProblem(ttlMs: number): string | undefined {
    if (!Number.isInteger(ttlMs)) return 'must be an integer number of ms'
    // A lease is never clamped silently: a holder that asked for 10 minutes and got 5 would
    // work on after its lock had ended.
    if (ttlMs < this.#minMs || ttlMs > this.#maxMs)
      return `must be within [${this.#minMs}, ${this.#maxMs}] ms`
    if (leaseMarginMs(ttlMs) * 3 >= ttlMs) return 'too short for its safety margin'
    return undefined
  }
}

/** True when `acquireOptionsSchema` would accept `options` unchanged (it only strips unknown keys). */
function isPlainlyValid(options: AcquireOptions | undefined): boolean {
  if (options === undefined) return true
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return false
  const { ttl, wait, signal, autoExtend, fair } = options
  return (
    (ttl === undefined || (Number.isSafeInteger(ttl) && (ttl as number) >= MIN_TTL_MS)) &&
    (wait === undefined || (Number.isSafeInteger(wait) && (wait as number) >= 0)) &&
    (signal === undefined || signal instanceof AbortSignal) &&
    (autoExtend === undefined || typeof autoExtend === 'boolean') &&
    (fair === undefined || typeof fair === 'boolean')
  )
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return parseOrThrow(schema, input, 'lock options', 'E_INVALID_OPTIONS')
}
