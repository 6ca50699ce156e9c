import type { ConnectionOptions } from 'node:tls'
import { Redis } from 'ioredis'

export interface NodeAddress {
  host: string
  port: number
}

/** A node to administer: its address and, when it requires one, its password. */
export interface AdminTarget extends NodeAddress {
  readonly password?: string | undefined
  /** TLS options (its CA) for a node that listens with TLS only. */
  readonly tls?: ConnectionOptions | undefined
}

/**
 * Runs `fn` with a short-lived connection to one node and closes it after. Fast fail on purpose:
 * no retry, no offline queue, a 1 s bound on connect and on every command, so that asking a
 * paused or dead node costs a second at most and surfaces as an error the caller can poll past.
 */
export async function withAdminClient<T>(node: AdminTarget, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    password: node.password,
    ...(node.tls === undefined ? {} : { tls: node.tls }),
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
  })
  // A refused connection is reported by connect(); the 'error' event would otherwise be unhandled.
  redis.on('error', () => {})
  try {
    await redis.connect()
    return await fn(redis)
  } finally {
    redis.disconnect()
  }
}

/** Parses an INFO / CLUSTER INFO reply into its `field:value` pairs. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1))
  }
  return fields
}
