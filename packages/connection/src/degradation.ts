/**
 * What a package does with a call while Redis is unavailable (ADR-0013). Declared per keyspace
 * namespace (`whenRedisDown`) and per limiter; every package imports the list from here.
 * - `bypass`: skip Redis and go to the source of truth (a cache read calls its loader).
 * - `serve-stale`: serve a value kept in process within its grace period.
 * - `fail-open`: allow the operation (a rate limit lets the request through).
 * - `fail-closed`: refuse with a typed error (locks, sessions).
 * - `local-fallback`: use an in-process substitute (a local token bucket).
 */
export const DEGRADATION_MODES = [
  'bypass',
  'serve-stale',
  'fail-open',
  'fail-closed',
  'local-fallback',
] as const

export type DegradationMode = (typeof DEGRADATION_MODES)[number]

/** True when `value` is one of `DEGRADATION_MODES`. */
export function isDegradationMode(value: unknown): value is DegradationMode {
  return typeof value === 'string' && (DEGRADATION_MODES as readonly string[]).includes(value)
}
