import { commandTimeoutOf, invalidInput, parseOrThrow, type RedisClient } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedlayerMetrics } from '@redlayer/metrics'
import type { RedisGuard } from '@redlayer/resilience'
import { z } from 'zod'

export interface SessionStoreOptions<N extends string> {
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The keyspace namespace that holds sessions (its TTL policy bounds the two TTLs below). */
  namespace: N
  guard?: RedisGuard
  metrics?: RedlayerMetrics
  /** Sliding idle timeout; the namespace's default TTL when omitted. */
  idleTtlMs?: number
  /** Absolute cap from creation; the namespace's maximum TTL when omitted. */
  absoluteTtlMs?: number
  /** Keep only the newest N events of a session (older ones are trimmed by the append). */
  maxEvents?: number
  /** Largest accepted event or state value, serialized (default 1 MiB). */
  maxValueBytes?: number
  /** After each write, WAIT for this many replicas (Sentinel deployments; ADR-0033). */
  durability?: { replicas: number; timeoutMs: number }
}

const schema = z.object({
  idleTtlMs: z.number().int().positive().optional(),
  absoluteTtlMs: z.number().int().positive().optional(),
  maxEvents: z.number().int().positive().optional(),
  maxValueBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  durability: z
    .object({ replicas: z.number().int().positive(), timeoutMs: z.number().int().positive() })
    .optional(),
})

export interface ResolvedSessionStoreOptions {
  readonly idleTtlMs: number
  readonly absoluteTtlMs: number
  readonly maxEvents: number
  readonly maxValueBytes: number
  readonly durability: { readonly replicas: number; readonly timeoutMs: number } | undefined
}

/** Validates the options once, at construction, and reports every problem in one error. */
export function resolveSessionStoreOptions<N extends string>(
  options: SessionStoreOptions<N>,
): ResolvedSessionStoreOptions {
  const data = parseOrThrow(schema, options, 'session store options')
  const { keyspace, namespace } = options
  // ADR-0011: the namespace's TTL policy bounds both timeouts.
  const idleTtlMs = keyspace.ttl(namespace, data.idleTtlMs)
  const absoluteTtlMs = keyspace.ttl(namespace, data.absoluteTtlMs ?? Number.MAX_SAFE_INTEGER)
  const problems: string[] = []
  if (absoluteTtlMs < idleTtlMs) {
    problems.push(`absoluteTtlMs (${absoluteTtlMs}) is shorter than idleTtlMs (${idleTtlMs})`)
  }
  // WAIT blocks the connection that carried the write; it must answer within that connection's
  // command timeout, or the client would report a timeout for a write that succeeded.
  const commandTimeoutMs = commandTimeoutOf(options.redis)
  const waitMs = data.durability?.timeoutMs
  if (waitMs !== undefined && commandTimeoutMs !== undefined && waitMs >= commandTimeoutMs) {
    problems.push(
      `durability.timeoutMs (${waitMs}) must be below the connection's command timeout (${commandTimeoutMs})`,
    )
  }
  if (problems.length > 0) throw invalidInput('E_INVALID_OPTIONS', 'session store options', problems)
  return {
    idleTtlMs,
    absoluteTtlMs,
    maxEvents: data.maxEvents ?? 0,
    maxValueBytes: data.maxValueBytes,
    durability: data.durability,
  }
}
