import type { RedisClient } from '@redlayer/connection'
import { commandTimeoutOf, invalidInput, parseOrThrow } from '@redlayer/connection/internal'
import { type Duration, durationSchema, type Keyspace } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import { z } from 'zod'

export interface SessionStoreOptions<N extends string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The keyspace namespace that holds sessions (its TTL policy bounds the two TTLs below). */
  namespace: N
  guard?: RedisGuard
  /** Sliding idle timeout (ms, or a string such as `'30m'`); the namespace's default TTL when omitted. */
  idleTtl?: Duration
  /** Absolute cap from creation; the namespace's maximum TTL when omitted. */
  absoluteTtl?: Duration
  /** Keep only the newest N events of a session (older ones are trimmed by the append). */
  maxEvents?: number
  /**
   * How many of a session's newest event ids are kept to recognise a retried append (default
   * 128, which Redis keeps in its compact encoding): a retry is a `duplicate` while fewer than this many appends to the session followed
   * the original; older ids are forgotten, so the bookkeeping never outgrows this (ADR-0033).
   */
  idempotencyWindow?: number
  /** Largest accepted event or state value, serialized (default 1 MiB). */
  maxValueBytes?: number
  /** Most state fields one create or update may carry (default 1 000, at most 3 000: a script's argument bound). */
  maxStateFields?: number
  /**
   * Keys the owner hash in session ids (HMAC-SHA-256), so an id does not reveal its owner
   * (ADR-0033). A list rotates: the first names new sessions, all are recognised. At least 16
   * characters each; the same on every process sharing the sessions. Without it, the hash is an
   * unkeyed SHA-256 of app and user.
   */
  ownerSecret?: string | readonly string[]
  /** After each write, WAIT for this many replicas (Sentinel deployments; ADR-0033). */
  durability?: { replicas: number; timeout: Duration }
}

const schema = z.object({
  idleTtl: durationSchema({ min: 1 }).optional(),
  absoluteTtl: durationSchema({ min: 1 }).optional(),
  maxEvents: z.number().int().positive().optional(),
  idempotencyWindow: z.number().int().positive().max(1_000_000).default(128),
  maxValueBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  maxStateFields: z.number().int().positive().max(3_000).default(1_000),
  ownerSecret: z.union([z.string().min(16), z.array(z.string().min(16)).min(1).max(8)]).optional(),
  durability: z
    .object({ replicas: z.number().int().positive(), timeout: durationSchema({ min: 1 }) })
    .optional(),
})

export interface ResolvedSessionStoreOptions {
  readonly idleTtlMs: number
  readonly absoluteTtlMs: number
  readonly maxEvents: number
  readonly idempotencyWindow: number
  readonly maxValueBytes: number
  readonly maxStateFields: number
  readonly durability: { readonly replicas: number; readonly timeoutMs: number } | undefined
}

/** The owner secrets, current first; kept apart from the resolved options, which are readable. */
export function ownerSecretsOf(options: Pick<SessionStoreOptions<string>, 'ownerSecret'>): readonly string[] {
  const { ownerSecret } = options
  return ownerSecret === undefined ? [] : typeof ownerSecret === 'string' ? [ownerSecret] : [...ownerSecret]
}

/** Validates the options once, at construction, and reports every problem in one error. */
export function resolveSessionStoreOptions<N extends string>(
  options: SessionStoreOptions<N>,
): ResolvedSessionStoreOptions {
  const data = parseOrThrow(schema, options, 'session store options')
  const { keyspace, namespace } = options
  // ADR-0011: the namespace's TTL policy bounds both timeouts.
  const idleTtlMs = keyspace.ttl(namespace, data.idleTtl)
  const absoluteTtlMs = keyspace.ttl(namespace, data.absoluteTtl ?? Number.MAX_SAFE_INTEGER)
  const problems: string[] = []
  if (absoluteTtlMs < idleTtlMs) {
    problems.push(`absoluteTtl (${absoluteTtlMs} ms) is shorter than idleTtl (${idleTtlMs} ms)`)
  }
  // WAIT blocks the connection that carried the write; it must answer within that connection's
  // command timeout, or the client would report a timeout for a write that succeeded.
  const commandTimeoutMs = commandTimeoutOf(options.redis)
  const waitMs = data.durability?.timeout
  if (waitMs !== undefined && commandTimeoutMs !== undefined && waitMs >= commandTimeoutMs) {
    problems.push(
      `durability.timeout (${waitMs} ms) must be below the connection's command timeout (${commandTimeoutMs} ms)`,
    )
  }
  if (problems.length > 0) throw invalidInput('E_INVALID_OPTIONS', 'session store options', problems)
  return {
    idleTtlMs,
    absoluteTtlMs,
    maxEvents: data.maxEvents ?? 0,
    idempotencyWindow: data.idempotencyWindow,
    maxValueBytes: data.maxValueBytes,
    maxStateFields: data.maxStateFields,
    durability: data.durability && { replicas: data.durability.replicas, timeoutMs: data.durability.timeout },
  }
}
