import { type RedisClient, RedlayerError } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'
import type { RedlayerMetrics } from '@redlayer/metrics'
import type { RedisGuard } from '@redlayer/resilience'
import { Cluster } from 'ioredis'
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

function commandTimeoutOf(redis: RedisClient): number | undefined {
  return redis instanceof Cluster ? redis.options.redisOptions?.commandTimeout : redis.options.commandTimeout
}

/** Validates the options once, at construction, and reports every problem in one error. */
export function resolveSessionStoreOptions<N extends string>(
  options: SessionStoreOptions<N>,
): ResolvedSessionStoreOptions {
  const parsed = schema.safeParse(options)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`,
    )
    throw new RedlayerError(
      'E_INVALID_OPTIONS',
      `Invalid session store options:\n- ${problems.join('\n- ')}`,
      {
        details: { problems },
      },
    )
  }
  const { keyspace, namespace } = options
  // ADR-0011: the namespace's TTL policy bounds both timeouts.
  const idleTtlMs = keyspace.ttl(namespace, parsed.data.idleTtlMs)
  const absoluteTtlMs = keyspace.ttl(namespace, parsed.data.absoluteTtlMs ?? Number.MAX_SAFE_INTEGER)
  if (absoluteTtlMs < idleTtlMs) {
    throw new RedlayerError(
      'E_INVALID_OPTIONS',
      `Invalid session store options:\n- absoluteTtlMs (${absoluteTtlMs}) is shorter than idleTtlMs (${idleTtlMs})`,
    )
  }
  // WAIT blocks the connection that carried the write; it must answer within that connection's
  // command timeout, or the client would report a timeout for a write that succeeded.
  const commandTimeoutMs = commandTimeoutOf(options.redis)
  const waitMs = parsed.data.durability?.timeoutMs
  if (waitMs !== undefined && commandTimeoutMs !== undefined && waitMs >= commandTimeoutMs) {
    throw new RedlayerError(
      'E_INVALID_OPTIONS',
      `Invalid session store options:\n- durability.timeoutMs (${waitMs}) must be below the connection's command timeout (${commandTimeoutMs})`,
    )
  }
  return {
    idleTtlMs,
    absoluteTtlMs,
    maxEvents: parsed.data.maxEvents ?? 0,
    maxValueBytes: parsed.data.maxValueBytes,
    durability: parsed.data.durability,
  }
}
