import { Cluster, type Redis } from 'ioredis'

// Temporary until @redlayer/connection exports mastersOf (CONTRACTS.md); then imported from there.
export type RedisClient = Redis | Cluster

export function mastersOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client]
}
