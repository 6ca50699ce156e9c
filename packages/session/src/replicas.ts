import type { RedisClient } from '@redlayer/connection'
import calculateSlot from 'cluster-key-slot'
import { Cluster, type Redis } from 'ioredis'
import type { Durability } from './types.js'

// WAIT counts the replicas that acknowledged every earlier write of the connection that sends
// it, so it must go to the connection that carried the write: on Cluster, the node that owns the
// key's slot.
function connectionFor(redis: RedisClient, key: string): Redis {
  if (!(redis instanceof Cluster)) return redis
  const owner = redis.slots[calculateSlot(key)]?.[0]
  const node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner)
  if (!node) throw new Error(`no master owns the slot of a session key (${owner ?? 'unknown'})`)
  return node
}

export async function waitForReplicas(
  redis: RedisClient,
  key: string,
  replicas: number,
  timeoutMs: number,
): Promise<Durability> {
  const acknowledged = await connectionFor(redis, key).wait(replicas, timeoutMs)
  return {
    replicasRequested: replicas,
    replicasAcknowledged: acknowledged,
    durable: acknowledged >= replicas,
  }
}
