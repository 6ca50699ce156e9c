import { RedlayerError } from '@redlayer/connection'
import { z } from 'zod'

/** The app's own settings (Redis comes from `loadRedisConfig`, the variables of the top-level README). */
export interface AppConfig {
  /** `PORT`, 3000 by default (0: any free port). */
  readonly port: number
  /** `HOST`, 127.0.0.1 by default (0.0.0.0 in a container). */
  readonly host: string
  /** `DATABASE_URL`: PostgreSQL; absent, an embedded PGlite database is created and seeded. */
  readonly databaseUrl: string | undefined
  /** `RATE_LIMIT_PER_MINUTE`: API requests per client per minute, also the burst (120). */
  readonly rateLimitPerMinute: number
  /** `APP_INSTANCES`: processes sharing the rate limits, for the local fallback's share (1). */
  readonly instances: number
  /** `ADMIN_PORT`: the admin listener's port, 3001 by default (0: any free port). ADR-0041. */
  readonly adminPort: number
  /** `ADMIN_HOST`: the admin listener's address, 127.0.0.1 by default; any other needs `ADMIN_TOKEN`. */
  readonly adminHost: string
  /** `ADMIN_TOKEN`: what every admin request must present (32 characters or more). */
  readonly adminToken: string | undefined
  /** `SESSION_SECRET`: keys session ids and login tokens; comma-separated to rotate, newest first. */
  readonly sessionSecrets: readonly string[] | undefined
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    APP_INSTANCES: z.coerce.number().int().min(1).max(10_000).default(1),
    ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
    ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
    ADMIN_TOKEN: z.string().min(32, 'must be 32 characters or more').optional(),
    SESSION_SECRET: z
      .string()
      .transform((value) => value.split(',').map((secret) => secret.trim()))
      .refine(
        (secrets) => secrets.every((secret) => secret.length >= 32),
        'each secret must be 32 characters or more',
      )
      .optional(),
  })
  // ADR-0041: the admin surfaces are open only where only this machine can reach them.
  .refine((c) => c.ADMIN_TOKEN !== undefined || LOOPBACK.test(c.ADMIN_HOST), {
    path: ['ADMIN_TOKEN'],
    message: 'required when ADMIN_HOST is not a loopback address',
  })

/** Reads the app's variables; one `E_INVALID_CONFIG` lists every bad one (values are not echoed). */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = schema.safeParse(present)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new RedlayerError('E_INVALID_CONFIG', `invalid app configuration:\n- ${problems.join('\n- ')}`, {
      details: { problems },
    })
  }
  const c = parsed.data
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    instances: c.APP_INSTANCES,
    adminPort: c.ADMIN_PORT,
    adminHost: c.ADMIN_HOST,
    adminToken: c.ADMIN_TOKEN,
    sessionSecrets: c.SESSION_SECRET,
  }
}

/** A database URL for people: the password replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://(unparseable URL)'
  }
}
