import type { RedisClient } from '@redlayer/connection'
import type { RedisGuardOptions } from './guard-options.js'
import type { RedisGuard } from './guard-types.js'
import { createRedisGuard } from './redis-guard.js'

const sharedGuards = new WeakMap<RedisClient, RedisGuard>()

/**
 * The guard a package uses when it was not handed one: the connection's shared guard, created
 * on first use with these options and then returned to every package on that connection, so
 * they still see one breaker (ADR-0013). A package never disposes it: the app owns its lifetime,
 * and its timers do not keep the process alive. A disposed shared guard is replaced.
 */
export function sharedRedisGuard(
  redis: RedisClient,
  options: Omit<RedisGuardOptions, 'redis'> = {},
): RedisGuard {
  const existing = sharedGuards.get(redis)
  if (existing && !existing.disposed) return existing
  const guard = createRedisGuard({ redis, ...options })
  sharedGuards.set(redis, guard)
  return guard
}
