import type { RedisClient } from './create-redis.js'

/**
 * Closes a client for good: QUIT, so that commands already sent get their replies, then a
 * disconnect, which also closes what QUIT leaves open (ioredis's Sentinel failover detector keeps
 * its connections to the sentinels, and a process holding them never exits). Never throws.
 */
export async function closeRedis(client: RedisClient): Promise<void> {
  await client.quit().catch(() => {})
  client.disconnect()
}
