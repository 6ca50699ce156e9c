import { accessSync, constants } from 'node:fs'
import { z } from 'zod'
import { RedlayerError } from './errors.js'
import { checkHost, checkPort, type HostPort, parseHostPort } from './host-port.js'

export const REDIS_MODES = ['standalone', 'sentinel', 'cluster'] as const
export type RedisMode = (typeof REDIS_MODES)[number]

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
export const DEFAULT_SENTINEL_NAME = 'mymaster'
export const DEFAULT_COMMAND_TIMEOUT_MS = 500
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000

/** The environment variable behind each config field (the table of DESIGN.md, plus the CA file). */
export const REDIS_ENV_VARIABLES = {
  mode: 'REDIS_MODE',
  url: 'REDIS_URL',
  sentinels: 'REDIS_SENTINELS',
  sentinelName: 'REDIS_SENTINEL_NAME',
  sentinelUsername: 'REDIS_SENTINEL_USERNAME',
  sentinelPassword: 'REDIS_SENTINEL_PASSWORD',
  clusterNodes: 'REDIS_CLUSTER_NODES',
  username: 'REDIS_USERNAME',
  password: 'REDIS_PASSWORD',
  tls: 'REDIS_TLS',
  tlsCaFile: 'REDIS_TLS_CA_FILE',
  keyPrefix: 'REDIS_KEY_PREFIX',
  commandTimeoutMs: 'REDIS_COMMAND_TIMEOUT_MS',
  connectTimeoutMs: 'REDIS_CONNECT_TIMEOUT_MS',
} as const
type ConfigField = keyof typeof REDIS_ENV_VARIABLES

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
}

const booleanFlag = z.preprocess(
  (value) => (typeof value === 'string' ? (BOOLEAN_WORDS[value.trim().toLowerCase()] ?? value) : value),
  z.boolean({ error: 'must be true or false' }),
)

function milliseconds(max: number, fallback: number) {
  const reason = `must be a whole number of milliseconds from 1 to ${max}`
  return z
    .preprocess(
      (value) => (typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value),
      z
        .number({ error: reason })
        .int({ error: reason })
        .min(1, { error: reason })
        .max(max, { error: reason }),
    )
    .default(fallback)
}

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} is empty` })
    .max(256, { error: `${what} is longer than 256 characters` })
    .regex(/^[^\s]+$/, { error: `${what} must not contain whitespace` })

const secret = (what: string) =>
  z.string({ error: `${what} must be a string` }).min(1, { error: `${what} is empty` })

const addressObject = z.strictObject({ host: z.string(), port: z.number() })

// A host:port list: a comma-separated string (the environment) or an array of `host:port`
// strings or `{ host, port }` objects (code). Every bad entry is reported, by position.
const hostPortList = z
  .union([z.string(), z.array(z.union([z.string(), addressObject]))], {
    error: 'must be a comma-separated host:port list or an array of addresses',
  })
  .transform((value, ctx): HostPort[] => {
    const entries = typeof value === 'string' ? value.split(',').filter((part) => part.trim() !== '') : value
    if (entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one host:port' })
      return z.NEVER
    }
    const addresses: HostPort[] = []
    entries.forEach((entry, index) => {
      const parsed =
        typeof entry === 'string'
          ? parseHostPort(entry)
          : (checkHost(entry.host) ?? checkPort(entry.port) ?? { host: entry.host, port: entry.port })
      if (typeof parsed === 'string')
        ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: ${parsed}` })
      else addresses.push(parsed)
    })
    const seen = new Set(addresses.map((a) => `${a.host}|${a.port}`))
    if (seen.size !== addresses.length) ctx.addIssue({ code: 'custom', message: 'lists an address twice' })
    return addresses
  })

// The reason never repeats the URL: it may carry a password.
const redisUrl = z
  .string({ error: 'must be a redis:// or rediss:// URL' })
  .default(DEFAULT_REDIS_URL)
  .superRefine((value, ctx) => {
    const problem = checkRedisUrl(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

function checkRedisUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL (expected redis://[user:password@]host:port[/db])'
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss://'
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const hostProblem = checkHost(host)
  if (hostProblem) return hostProblem
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,5}$/.test(url.pathname)) {
    return 'the path must be a database number (/0, /1, ...)'
  }
  // Issue 17: ioredis reads options from the query (`?password=...` among them), which would then
  // pass every check here and be printed with the URL. One place for each setting: the variables.
  if (url.search !== '' || url.hash !== '') {
    return 'must not have a query or fragment (?... or #...): give the password as REDIS_PASSWORD and other settings by their variables'
  }
  return undefined
}

const keyPrefix = z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9._:-]{1,100}$/, {
  error: 'must be 1 to 100 characters of letters, digits and . _ : - (no glob or hash-tag characters)',
})

const tlsCaFile = z
  .string({ error: 'must be a file path' })
  .min(1, { error: 'is empty' })
  .superRefine((path, ctx) => {
    try {
      accessSync(path, constants.R_OK)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a readable file' })
    }
  })

const common = {
  username: name('the username').optional(),
  password: secret('the password').optional(),
  tls: booleanFlag.optional(),
  tlsCaFile: tlsCaFile.optional(),
  keyPrefix: keyPrefix.optional(),
  commandTimeoutMs: milliseconds(60_000, DEFAULT_COMMAND_TIMEOUT_MS),
  connectTimeoutMs: milliseconds(120_000, DEFAULT_CONNECT_TIMEOUT_MS),
}

const standaloneSchema = z
  .strictObject({ mode: z.literal('standalone'), url: redisUrl, ...common })
  .superRefine((config, ctx) => {
    if (config.tls === false && config.url.startsWith('rediss:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is false but the URL is rediss:// (TLS)' })
    }
  })
  .transform(({ tls, ...rest }) => ({ ...rest, tls: tls ?? rest.url.startsWith('rediss:') }))

const sentinelSchema = z
  .strictObject({
    mode: z.literal('sentinel'),
    sentinels: hostPortList,
    sentinelName: name('the master group name').default(DEFAULT_SENTINEL_NAME),
    sentinelUsername: name('the username').optional(),
    sentinelPassword: secret('the password').optional(),
    ...common,
  })
  .transform(({ tls, ...rest }) => ({ ...rest, tls: tls ?? false }))

const clusterSchema = z
  .strictObject({ mode: z.literal('cluster'), clusterNodes: hostPortList, ...common })
  .transform(({ tls, ...rest }) => ({ ...rest, tls: tls ?? false }))

const schemas = { standalone: standaloneSchema, sentinel: sentinelSchema, cluster: clusterSchema } as const

/** The whole schema: a discriminated union on `mode`. */
export const redisConfigSchema = z.discriminatedUnion('mode', [
  standaloneSchema,
  sentinelSchema,
  clusterSchema,
])

export type RedisConfig = z.output<typeof redisConfigSchema>
export type StandaloneConfig = Extract<RedisConfig, { mode: 'standalone' }>
export type SentinelConfig = Extract<RedisConfig, { mode: 'sentinel' }>
export type ClusterConfig = Extract<RedisConfig, { mode: 'cluster' }>
type SchemaInput = z.input<typeof redisConfigSchema>
/** What `parseRedisConfig` accepts: defaults optional (`mode` too: standalone), numbers and flags as strings too. */
export type RedisConfigInput = SchemaInput | Omit<Extract<SchemaInput, { mode: 'standalone' }>, 'mode'>

/** One bad setting: the field (or environment variable) and why, never its value. */
export interface ConfigProblem {
  field: string
  reason: string
}

/**
 * Validates a config object given in code. Defaults apply as in the environment; `mode` defaults
 * to standalone. Throws one `E_INVALID_CONFIG` error listing every problem.
 */
export function parseRedisConfig(input: RedisConfigInput): RedisConfig {
  return validate(input, (path) => path || 'config', 'config')
}

/**
 * Reads the Redis settings from the environment (the table of DESIGN.md). An empty variable counts
 * as unset. Throws one `E_INVALID_CONFIG` error listing every bad variable and why, never a value
 * of a secret (passwords, or REDIS_URL, which may carry one).
 */
export function loadRedisConfig(env: Record<string, string | undefined> = process.env): RedisConfig {
  const input: Record<string, string> = {}
  for (const [field, variable] of Object.entries(REDIS_ENV_VARIABLES)) {
    const value = env[variable]
    if (value !== undefined && value.trim() !== '') input[field] = value
  }
  const toVariable = (path: string) => {
    const field = path.split('.')[0] as ConfigField
    return REDIS_ENV_VARIABLES[field] ?? path
  }
  return validate(input, toVariable, 'environment')
}

function validate(input: unknown, label: (path: string) => string, source: string): RedisConfig {
  const problems: ConfigProblem[] = []
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid([{ field: label(''), reason: 'must be an object' }], source)
  }
  const raw = input as Record<string, unknown>
  const mode = raw.mode ?? 'standalone'
  const modeOk = typeof mode === 'string' && (REDIS_MODES as readonly string[]).includes(mode)
  if (!modeOk) {
    problems.push({ field: label('mode'), reason: `must be one of ${REDIS_MODES.join(', ')}` })
  }
  // With an unknown mode, still check the fields every mode shares, so one run lists everything.
  const schema = modeOk ? schemas[mode as RedisMode] : z.object(common)
  const result = schema.safeParse({ ...raw, mode })
  if (result.success && problems.length === 0) return result.data as RedisConfig
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = label(key)
        const known = key in REDIS_ENV_VARIABLES
        problems.push({
          field,
          reason: known ? `is not used in ${String(mode)} mode` : 'is not a known setting',
        })
      }
      continue
    }
    problems.push({ field: label(issue.path.map(String).join('.')), reason: issue.message })
  }
  throw invalid(problems, source)
}

function invalid(problems: ConfigProblem[], source: string): RedlayerError<'E_INVALID_CONFIG'> {
  const lines = problems.map((p) => `  - ${p.field}: ${p.reason}`).join('\n')
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return new RedlayerError(
    'E_INVALID_CONFIG',
    `Invalid Redis configuration (${source}, ${count}):\n${lines}`,
    {
      details: { problems },
    },
  )
}
