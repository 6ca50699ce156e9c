import type { RedisClient } from '@redlayer/connection'
import { invalidInput, zodProblems } from '@redlayer/connection/internal'
import { type KeyPart, type Keyspace, parseDuration } from '@redlayer/keyspace'
import type { RedisGuard } from '@redlayer/resilience'
import { z } from 'zod'
import { type LimitDefinition, type ResolvedLimit, resolveLimit } from './limit.js'
import type { RedisDownMode } from './result.js'

export interface RateLimiterOptions<N extends string> {
  /** The app's client (standalone, Sentinel or Cluster); the limiter never creates one. */
  redis: RedisClient
  keyspace: Keyspace<N>
  /** The namespace of the bucket keys (ADR-0011). */
  namespace: N
  /**
   * Names the limiter in its keys (limiters of different names never share buckets) and in the
   * `limiter` of its diagnostics events (the metrics' label); the namespace when omitted. `[A-Za-z0-9_-]`.
   */
  name?: string
  /** One limit, or several checked and debited all-or-nothing. */
  limits: LimitDefinition | readonly LimitDefinition[]
  /**
   * While Redis is unreachable: admit everything, refuse everything, or decide with an in-process
   * bucket holding this process's share (`local-fallback`): the keyspace's outage modes (ADR-0013).
   * Defaults to the namespace's `whenRedisDown`.
   */
  onRedisDown?: RedisDownMode
  /** The number of processes sharing the limits: `local-fallback` divides capacity and rate by it. */
  instances?: number
  /** The breaker every Redis call goes through; one is created (and owned) when omitted. */
  guard?: RedisGuard
  /** The in-process deny cache: `false` to turn it off; 10 000 subjects by default. */
  denyCache?: false | { maxEntries?: number }
  /** Subjects the `local-fallback` mode keeps buckets for (least recently used forgotten first); 10 000. */
  localMaxSubjects?: number
  /** The `Retry-After` of a `fail-closed` denial (milliseconds or `'1s'`); 1 s by default. */
  failClosedRetryAfter?: number | string
  /**
   * Issue 19 (rate-limiter-flexible's `blockDuration`): a subject whose request is refused is
   * blocked for `block` (milliseconds or `'15m'`), every request refused whatever its buckets
   * hold, decided in the same script call (ADR-0012). No penalty by default.
   */
  penalty?: { block: number | string }
  /**
   * Issue 19, dynamic limits: other sets of limits by name (a plan, a tier), chosen per decision
   * by `tierOf` or a call's `tier`, in the same one script call (ADR-0012, "Tiers"). A subject
   * with no tier gets `limits`. Names are `[A-Za-z0-9_-]`.
   */
  tiers?: Record<string, LimitDefinition | readonly LimitDefinition[]>
  /**
   * The tier of a subject at decision time (from the app's own data: a plan in a session, a
   * claim in a token); `undefined` for `limits`. May return a promise. A call's `tier` wins.
   */
  tierOf?: (subject: KeyPart) => string | undefined | Promise<string | undefined>
}

export interface ResolvedRateLimiterOptions {
  readonly name: string
  readonly limits: readonly ResolvedLimit[]
  readonly onRedisDown: RedisDownMode
  readonly instances: number
  readonly denyCacheEntries: number
  readonly localMaxSubjects: number
  readonly failClosedRetryAfterMs: number
  /** The penalty's block in ms; 0 when there is none. */
  readonly penaltyMs: number
  /** The limits of each tier, by name (issue 19). */
  readonly tiers: ReadonlyMap<string, readonly ResolvedLimit[]>
  readonly tierOf: ((subject: KeyPart) => string | undefined | Promise<string | undefined>) | undefined
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const durationSchema = z.union([z.number(), z.string()])

const limitSchema = z.object({
  name: z.string().regex(NAME, 'a limit name is 1-64 characters of A-Z a-z 0-9 _ -'),
  capacity: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  refill: z.object({
    tokens: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    interval: durationSchema,
  }),
})

// One limit or several; validated as a list so that every problem has its own path.
const limitsSchema = z.preprocess(
  (limits) => (Array.isArray(limits) ? limits : [limits]),
  z.array(limitSchema).min(1, 'at least one limit'),
)

const optionsSchema = z.object({
  name: z.string().regex(NAME, 'a limiter name is 1-64 characters of A-Z a-z 0-9 _ -').optional(),
  limits: limitsSchema,
  tiers: z.record(z.string(), limitsSchema).optional(),
  tierOf: z
    .custom<(subject: KeyPart) => unknown>((value) => typeof value === 'function', 'must be a function')
    .optional(),
  onRedisDown: z.enum(['fail-open', 'fail-closed', 'local-fallback']).optional(),
  instances: z.number().int().positive().default(1),
  denyCache: z
    .union([z.literal(false), z.object({ maxEntries: z.number().int().positive().default(10_000) })])
    .default({ maxEntries: 10_000 }),
  localMaxSubjects: z.number().int().positive().default(10_000),
  failClosedRetryAfter: durationSchema.default(1_000),
  penalty: z.object({ block: durationSchema }).optional(),
})

const FROM_NAMESPACE: Partial<Record<string, RedisDownMode>> = {
  'fail-open': 'fail-open',
  'fail-closed': 'fail-closed',
  'local-fallback': 'local-fallback',
}

/** Validates the options once, at construction; every problem is reported in one `E_INVALID_OPTIONS`. */
export function resolveOptions<N extends string>(options: RateLimiterOptions<N>): ResolvedRateLimiterOptions {
  const problems: string[] = []
  if (!options || typeof options !== 'object') throw invalid(['options must be an object'])
  if (!options.redis) problems.push('redis: a client is required')
  if (!options.keyspace) problems.push('keyspace: a keyspace is required')
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error))
    throw invalid(problems)
  }
  const data = parsed.data
  const namespace = options.keyspace ? namespaceOf(options.keyspace, options.namespace, problems) : undefined
  const limitsOf = (definitions: z.output<typeof limitSchema>[], path: string) =>
    resolveLimits(definitions, path, options, namespace !== undefined, problems)
  const limits = limitsOf(data.limits, 'limits')
  const tiers = new Map(
    Object.entries(data.tiers ?? {}).map(([tier, list]) => [tier, limitsOf(list, `tiers.${tier}`)]),
  )
  for (const tier of tiers.keys()) {
    if (!NAME.test(tier)) problems.push(`tiers.${tier}: a tier name is 1-64 characters of A-Z a-z 0-9 _ -`)
  }
  if (data.tierOf && tiers.size === 0) problems.push('tierOf: there are no tiers to choose from')
  const failClosedRetryAfterMs = durationMs(data.failClosedRetryAfter, 'failClosedRetryAfter', problems)
  const penaltyMs = data.penalty === undefined ? 0 : durationMs(data.penalty.block, 'penalty.block', problems)
  // ADR-0012: the block key lives as long as the block; the namespace must allow that long.
  if (namespace && penaltyMs && options.keyspace.ttl(options.namespace, penaltyMs) < penaltyMs) {
    problems.push(
      `penalty.block: ${penaltyMs} ms is longer than the maximum TTL of namespace "${options.namespace}" ` +
        `(${options.keyspace.ttl(options.namespace, penaltyMs)} ms)`,
    )
  }
  const onRedisDown = data.onRedisDown ?? (namespace ? FROM_NAMESPACE[namespace.whenRedisDown] : undefined)
  if (namespace && !onRedisDown) {
    problems.push(
      `onRedisDown: required, since namespace "${options.namespace}" declares whenRedisDown ` +
        `"${namespace.whenRedisDown}" (a limiter can fail-open, fail-closed or use local buckets)`,
    )
  }
  if (onRedisDown === 'local-fallback') {
    for (const limit of [limits, ...tiers.values()].flat()) {
      if (limit.capacity < data.instances) {
        problems.push(
          `instances: ${data.instances} instances would leave limit "${limit.name}" (capacity ${limit.capacity}) ` +
            'less than one token each in the local-fallback mode',
        )
      }
    }
  }
  if (problems.length > 0 || !onRedisDown || failClosedRetryAfterMs === undefined || penaltyMs === undefined)
    throw invalid(problems)
  return {
    name: data.name ?? String(options.namespace),
    limits,
    onRedisDown,
    instances: data.instances,
    denyCacheEntries: data.denyCache === false ? 0 : data.denyCache.maxEntries,
    localMaxSubjects: data.localMaxSubjects,
    failClosedRetryAfterMs,
    penaltyMs,
    tiers,
    tierOf: data.tierOf as ResolvedRateLimiterOptions['tierOf'],
  }
}

/** Validates one set of limits (the default one, or a tier's); each problem has its path. */
function resolveLimits<N extends string>(
  definitions: z.output<typeof limitSchema>[],
  path: string,
  options: RateLimiterOptions<N>,
  checkTtl: boolean,
  problems: string[],
): ResolvedLimit[] {
  const limits: ResolvedLimit[] = []
  const seen = new Set<string>()
  definitions.forEach((definition, i) => {
    if (seen.has(definition.name)) problems.push(`${path}.${i}.name: "${definition.name}" is used twice`)
    seen.add(definition.name)
    const intervalMs = durationMs(definition.refill.interval, `${path}.${i}.refill.interval`, problems)
    if (intervalMs === undefined) return
    const limit = resolveLimit(definition.name, definition.capacity, definition.refill.tokens, intervalMs)
    if (!limit) {
      problems.push(
        `${path}.${i}: capacity ${definition.capacity} with ${definition.refill.tokens} tokens per ${intervalMs} ms ` +
          'cannot be kept exactly (capacity x microseconds per token above 2^53): lower the capacity or the interval',
      )
      return
    }
    // ADR-0012: a key lives until its bucket is full again; the namespace must allow that long.
    if (checkTtl && options.keyspace.ttl(options.namespace, limit.fillMs) < limit.fillMs) {
      problems.push(
        `${path}.${i}: its bucket takes ${limit.fillMs} ms to fill, longer than the maximum TTL of namespace ` +
          `"${options.namespace}" (${options.keyspace.ttl(options.namespace, limit.fillMs)} ms)`,
      )
    }
    limits.push(limit)
  })
  return limits
}

function namespaceOf<N extends string>(keyspace: Keyspace<N>, namespace: N, problems: string[]) {
  try {
    return keyspace.namespace(namespace)
  } catch (error) {
    problems.push(`namespace: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}

function durationMs(value: number | string, path: string, problems: string[]): number | undefined {
  try {
    const ms = parseDuration(value)
    if (ms > 0) return ms
    problems.push(`${path}: must be at least 1 ms`)
  } catch (error) {
    problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return undefined
}

function invalid(problems: readonly string[]) {
  return invalidInput('E_INVALID_OPTIONS', 'rate limiter options', problems)
}
