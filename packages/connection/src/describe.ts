import type { RedisConfig } from './config.js'
import { formatHostPort } from './host-port.js'

const REDACTED = '***'

/** The URL with its password replaced by `***` (the username stays: it is not a secret). */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = REDACTED
    // A query may hold a password too (ioredis reads options from it): never shown.
    if (parsed.search !== '') parsed.search = `?${REDACTED}`
    parsed.hash = ''
    return parsed.toString()
  } catch {
    // A config that passed validation always parses; anything else is shown as nothing at all.
    return REDACTED
  }
}

const secretState = (value: string | undefined) => (value === undefined ? 'not set' : `${REDACTED} (set)`)

/**
 * One readable block describing the config, for a start-up log line or the CLI. Passwords (and
 * the password inside REDIS_URL) are redacted; whether one is set is shown.
 */
export function describeRedisConfig(config: RedisConfig): string {
  const lines: [string, string][] = [['mode', config.mode]]
  switch (config.mode) {
    case 'standalone':
      lines.push(['url', redactRedisUrl(config.url)])
      break
    case 'sentinel':
      lines.push(
        ['sentinels', config.sentinels.map(formatHostPort).join(', ')],
        ['master group', config.sentinelName],
        ['sentinel username', config.sentinelUsername ?? 'not set'],
        ['sentinel password', secretState(config.sentinelPassword)],
      )
      break
    case 'cluster':
      lines.push(['cluster nodes', config.clusterNodes.map(formatHostPort).join(', ')])
      break
  }
  lines.push(
    ['username', config.username ?? 'not set'],
    ['password', secretState(config.password)],
    [
      'tls',
      config.tls ? `on${config.tlsCaFile ? ` (CA file ${config.tlsCaFile})` : ' (system CAs)'}` : 'off',
    ],
    ['key prefix', config.keyPrefix ?? 'none'],
    ['command timeout', `${config.commandTimeoutMs} ms`],
    ['connect timeout', `${config.connectTimeoutMs} ms`],
  )
  const width = Math.max(...lines.map(([label]) => label.length))
  return [`Redis connection (${config.mode})`, ...lines.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`)].join(
    '\n',
  )
}
