import calculateSlot from 'cluster-key-slot'
import type { RedisClient } from './create-redis.js'

// ADR-0004: how the packages split a multi-key command or script call by Cluster slot (the
// cache's MGET, the express store's revocation), in one place.

/** At most this many keys per multi-key command. */
export const CHUNK = 500

/** Whether `redis` is a Cluster client (its commands are routed by slot). */
export function isCluster(redis: RedisClient): boolean {
  return 'isCluster' in redis && redis.isCluster
}

/** True when one command takes every key in order (not Cluster, 1 to CHUNK keys): no grouping. */
export function oneCommand(redis: RedisClient, keys: readonly string[]): boolean {
  return keys.length > 0 && keys.length <= CHUNK && !isCluster(redis)
}

/**
 * Splits keys into groups one multi-key command can take: on Cluster one group per hash slot
 * (a cross-slot MGET is refused), everywhere at most CHUNK keys so one call never blocks the
 * server for long. Each group keeps the positions of its keys in the input.
 */
export function groupKeys(
  redis: RedisClient,
  keys: readonly string[],
): { keys: string[]; positions: number[] }[] {
  const bySlot = new Map<number, { keys: string[]; positions: number[] }>()
  const cluster = isCluster(redis)
  keys.forEach((key, position) => {
    const slot = cluster ? calculateSlot(key) : 0
    let group = bySlot.get(slot)
    if (group === undefined) {
      group = { keys: [], positions: [] }
      bySlot.set(slot, group)
    }
    group.keys.push(key)
    group.positions.push(position)
  })
  const groups: { keys: string[]; positions: number[] }[] = []
  for (const group of bySlot.values()) {
    for (let start = 0; start < group.keys.length; start += CHUNK) {
      groups.push({
        keys: group.keys.slice(start, start + CHUNK),
        positions: group.positions.slice(start, start + CHUNK),
      })
    }
  }
  return groups
}
