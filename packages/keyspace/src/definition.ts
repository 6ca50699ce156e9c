import {
  DEGRADATION_MODES,
  type DegradationMode,
  type Duration,
  durationSchema,
  RedlayerError,
} from '@redlayer/connection'
import { z } from 'zod'
import { escapeGlob } from './glob.js'
import { DEFAULT_MAX_PART_LENGTH } from './part-encoding.js'

export const FLUSH_CLASSES = ['safe', 'disruptive', 'forbidden'] as const
/**
 * ADR-0011: what flushing a namespace costs. `safe`: derived data, recomputed. `disruptive`:
 * state users notice (sessions, rate-limit buckets); needs force and a reason. `forbidden`:
 * correctness depends on it (locks, fencing counters); never flushed.
 */
export type FlushClass = (typeof FLUSH_CLASSES)[number]
export const TTL_MODES = ['sliding', 'absolute'] as const
export type TtlMode = (typeof TTL_MODES)[number]

export interface TtlPolicy {
  /** The TTL when a caller asks for none. */
  default: Duration
  /** Lower bound of a requested TTL; 1 ms when omitted. */
  min?: Duration
  /** Upper bound of a requested TTL; the default when omitted (a caller may shorten, not extend). */
  max?: Duration
  /** Whether users of the namespace refresh the TTL on access (`sliding`) or not; `absolute` by default. */
  mode?: TtlMode
}

export const NAMESPACE_KINDS = ['cache', 'ratelimit', 'lock', 'session'] as const
/** What a namespace is for; it supplies the defaults of every field but the prefix (ADR-0011). */
export type NamespaceKind = (typeof NAMESPACE_KINDS)[number]

/**
 * ADR-0011: the defaults a kind of namespace gets. Derived data is safe to flush and read around
 * (`serve-stale`); buckets and sessions are state users notice; locks are correctness itself.
 */
export const NAMESPACE_KIND_DEFAULTS: Readonly<
  Record<
    NamespaceKind,
    {
      description: string
      ttl: TtlPolicy
      flushClass: FlushClass
      whenRedisDown: DegradationMode
      untimedKeys?: readonly string[]
    }
  >
> = Object.freeze({
  cache: {
    description: 'cached values',
    ttl: { default: '10m' },
    flushClass: 'safe',
    whenRedisDown: 'serve-stale',
    // ADR-0020: the namespace epoch lives as long as the namespace.
    untimedKeys: ['epoch'],
  },
  ratelimit: {
    description: 'rate-limit buckets',
    ttl: { default: '1h', min: '1s', max: '1d' },
    flushClass: 'disruptive',
    whenRedisDown: 'local-fallback',
  },
  lock: {
    description: 'locks and their fencing counters',
    ttl: { default: '30s', min: '10ms', max: '10m' },
    flushClass: 'forbidden',
    whenRedisDown: 'fail-closed',
    // ADR-0030: a resource's fence counter outlives its leases.
    untimedKeys: ['{*}*:fence'],
  },
  session: {
    description: 'sessions',
    ttl: { default: '30m', min: '1s', max: '1d', mode: 'sliding' },
    flushClass: 'disruptive',
    whenRedisDown: 'fail-closed',
  },
})

export interface NamespaceDefinition {
  /**
   * What the namespace is for: with a kind, every other field is optional and defaults to the
   * kind's (`NAMESPACE_KIND_DEFAULTS`); without one, `description`, `ttl`, `flushClass` and
   * `whenRedisDown` are required.
   */
  kind?: NamespaceKind
  /**
   * Key prefix: segments of `A-Z a-z 0-9 _ . -` joined by single colons (`'entity'`,
   * `'cache:query'`). The namespace's name by default.
   */
  prefix?: string
  /** What the namespace holds, for people (CLI listing, ADR table). */
  description?: string
  /** The TTL policy, or just its default (`'10m'`). */
  ttl?: TtlPolicy | Duration
  flushClass?: FlushClass
  /** What the package using the namespace does while Redis is unavailable (ADR-0013). */
  whenRedisDown?: DegradationMode
  /** Memory the namespace may use; the audit reports use against it. */
  memoryBudgetBytes?: number
  /** The ADR that governs the namespace (`'ADR-0011'`). */
  adr?: string
  /**
   * Keys that live without a TTL by design (a cache's epoch, a lock's fence counter), as patterns
   * of what follows `<prefix>::` (`*`: any characters): the audit counts them apart, not as leaks.
   */
  untimedKeys?: readonly string[]
}

export interface KeyspaceDefinition<N extends string> {
  /** Application prefix before every namespace (`REDIS_KEY_PREFIX`); one trailing `:` is ignored. */
  prefix?: string
  namespaces: Record<N, NamespaceDefinition>
  /** Encoded parts longer than this many characters are hashed (ADR-0011); 256 by default. */
  maxPartLength?: number
}

export interface ResolvedTtlPolicy {
  readonly defaultMs: number
  readonly minMs: number
  readonly maxMs: number
  readonly mode: TtlMode
}

export interface ResolvedNamespace<N extends string = string> {
  readonly name: N
  /** The kind it was declared with, if any. */
  readonly kind: NamespaceKind | undefined
  readonly prefix: string
  readonly description: string
  readonly ttl: ResolvedTtlPolicy
  readonly flushClass: FlushClass
  readonly whenRedisDown: DegradationMode
  readonly memoryBudgetBytes: number | undefined
  readonly adr: string | undefined
  /** Patterns of the keys that live without a TTL by design (see `NamespaceDefinition`). */
  readonly untimedKeys: readonly string[]
  /** Everything before the encoded parts of every key: `<app>:<prefix>::`. */
  readonly keyPrefix: string
  /** The exact SCAN MATCH pattern of the namespace's keys. */
  readonly pattern: string
}

export interface ResolvedKeyspace<N extends string> {
  /** The application prefix including its trailing `:`, or `''`. */
  readonly appPrefix: string
  readonly maxPartLength: number
  readonly namespaces: readonly ResolvedNamespace<N>[]
}

const PREFIX = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/
const PREFIX_RULE = 'segments of A-Z a-z 0-9 _ . - joined by single colons'
/** ADR-0011: separates a namespace prefix from the encoded parts; prefixes cannot contain it. */
export const PARTS_MARKER = '::'

const duration = durationSchema()

const ttlSchema = z.strictObject({
  default: duration,
  min: duration.optional(),
  max: duration.optional(),
  mode: z.enum(TTL_MODES).default('absolute'),
})

const namespaceSchema = z.strictObject({
  kind: z.enum(NAMESPACE_KINDS).optional(),
  prefix: z.string().regex(PREFIX, `must be ${PREFIX_RULE}`),
  description: z.string().trim().min(1, 'must not be empty'),
  ttl: ttlSchema,
  flushClass: z.enum(FLUSH_CLASSES),
  whenRedisDown: z.enum(DEGRADATION_MODES),
  memoryBudgetBytes: z
    .number()
    .int('must be a whole number of bytes')
    .positive('must be positive')
    .optional(),
  adr: z
    .string()
    .regex(/^ADR-\d{4}$/, 'must look like ADR-0011')
    .optional(),
  untimedKeys: z.array(z.string().min(1).max(200)).max(20).readonly().optional(),
})

const keyspaceSchema = z.strictObject({
  prefix: z
    .string()
    .transform((value) => (value.endsWith(':') ? value.slice(0, -1) : value))
    .refine((value) => value === '' || PREFIX.test(value), `must be ${PREFIX_RULE}`)
    .optional(),
  maxPartLength: z.number().int().min(64, 'must be at least 64').optional(),
  namespaces: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'namespace names are A-Z a-z 0-9 _ . : -'),
      namespaceSchema,
    )
    .refine((record) => Object.keys(record).length > 0, 'declare at least one namespace'),
})

/**
 * The declaration with each namespace's omitted fields taken from its kind, its prefix from its
 * name, and a TTL given as one duration expanded to a policy. Anything that is not an object is
 * left for the schema to report.
 */
function withKindDefaults(definition: unknown): unknown {
  const namespaces = (definition as { namespaces?: unknown } | null | undefined)?.namespaces
  if (typeof namespaces !== 'object' || namespaces === null || Array.isArray(namespaces)) return definition
  const completed = Object.fromEntries(
    Object.entries(namespaces).map(([name, ns]) => {
      if (typeof ns !== 'object' || ns === null || Array.isArray(ns)) return [name, ns]
      const given = ns as Record<string, unknown>
      const kind = NAMESPACE_KINDS.includes(given.kind as NamespaceKind)
        ? NAMESPACE_KIND_DEFAULTS[given.kind as NamespaceKind]
        : undefined
      // A TTL given replaces the kind's bounds (they were chosen for its default), not its mode.
      const shorthand = typeof given.ttl === 'string' || typeof given.ttl === 'number'
      const ttl = shorthand ? { default: given.ttl } : given.ttl
      const mode = kind?.ttl.mode
      return [
        name,
        {
          ...(kind ?? {}),
          prefix: name,
          ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
          ...(ttl === undefined
            ? {}
            : {
                ttl: mode !== undefined && typeof ttl === 'object' && ttl !== null ? { mode, ...ttl } : ttl,
              }),
        },
      ]
    }),
  )
  return { ...(definition as object), namespaces: completed }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.')
  return path === '' ? issue.message : `${path}: ${issue.message}`
}

function invalid(problems: string[]): RedlayerError<'E_INVALID_KEYSPACE'> {
  return new RedlayerError(
    'E_INVALID_KEYSPACE',
    `invalid keyspace declaration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    { details: { problems } },
  )
}

/**
 * Validates a keyspace declaration and resolves it (durations in ms, full key prefixes, SCAN
 * patterns). Every problem is collected, then thrown at once as one `E_INVALID_KEYSPACE`.
 */
export function resolveKeyspace<N extends string>(definition: KeyspaceDefinition<N>): ResolvedKeyspace<N> {
  const completed = withKindDefaults(definition)
  const parsed = keyspaceSchema.safeParse(completed)
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue)
  // Cross-field rules run on whatever parsed, so one error lists shape and policy problems together.
  const raw = ((completed as { namespaces?: unknown } | undefined)?.namespaces ?? {}) as Record<
    string,
    Partial<NamespaceDefinition>
  >
  const owners = new Map<string, string>()
  for (const [name, ns] of Object.entries(raw)) {
    if (typeof ns?.prefix !== 'string') continue
    const owner = owners.get(ns.prefix)
    if (owner !== undefined)
      problems.push(`namespaces.${name}.prefix: "${ns.prefix}" is already used by ${owner}`)
    else owners.set(ns.prefix, name)
  }
  for (const [name, ns] of Object.entries(raw)) {
    const ttl = ttlSchema.safeParse(ns?.ttl)
    if (!ttl.success) continue // already reported by the shape check
    const { default: def, min = 1, max = def } = ttl.data
    if (def <= 0 || min <= 0) {
      // Every key expires (ADR-0011): a TTL of 0 would mean "no expiry" to some callers.
      if (def <= 0) problems.push(`namespaces.${name}.ttl.default: must be positive`)
      if (min <= 0) problems.push(`namespaces.${name}.ttl.min: must be positive`)
    } else if (min > max)
      problems.push(`namespaces.${name}.ttl: min (${min} ms) is greater than max (${max} ms)`)
    else if (def < min || def > max) {
      problems.push(`namespaces.${name}.ttl.default: ${def} ms is outside [min ${min} ms, max ${max} ms]`)
    }
  }
  if (problems.length > 0 || !parsed.success) throw invalid(problems)

  const app = parsed.data.prefix ?? ''
  const appPrefix = app === '' ? '' : `${app}:`
  const namespaces = Object.entries(parsed.data.namespaces).map(([name, ns]) => {
    const keyPrefix = `${appPrefix}${ns.prefix}${PARTS_MARKER}`
    return Object.freeze({
      name: name as N,
      kind: ns.kind,
      prefix: ns.prefix,
      description: ns.description,
      ttl: Object.freeze({
        defaultMs: ns.ttl.default,
        minMs: ns.ttl.min ?? 1,
        maxMs: ns.ttl.max ?? ns.ttl.default,
        mode: ns.ttl.mode,
      }),
      flushClass: ns.flushClass,
      whenRedisDown: ns.whenRedisDown,
      memoryBudgetBytes: ns.memoryBudgetBytes,
      adr: ns.adr,
      untimedKeys: Object.freeze([...(ns.untimedKeys ?? [])]),
      keyPrefix,
      pattern: `${escapeGlob(keyPrefix)}*`,
    })
  })
  return {
    appPrefix,
    maxPartLength: parsed.data.maxPartLength ?? DEFAULT_MAX_PART_LENGTH,
    namespaces: Object.freeze(namespaces),
  }
}
