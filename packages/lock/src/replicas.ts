import { type RedisClient, RedlayerError } from '@redlayer/connection'
import type { RedisGuard } from '@redlayer/resilience'
import calculateSlot from 'cluster-key-slot'
import { Cluster, type Redis } from 'ioredis'

/**
 * The primary that owns `key`: the client itself on a single Redis or Sentinel, the master of
 * the key's slot on a Cluster.
 */
function primaryOf(client: RedisClient, key: string): Redis {
  if (!(client instanceof Cluster)) return client
  const nodeKey = client.slots[calculateSlot(key)]?.[0]
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey)
  if (node === undefined) {
    throw new RedlayerError('E_REDIS_UNAVAILABLE', 'no known master serves the slot of this lock')
  }
  return node
}

/**
 * Runs `confirm` (a write on `key`) then WAIT on one short-lived connection to the key's primary.
 * WAIT counts the replicas that have the writes of ITS connection, and it blocks that
 * connection, so it can run neither on the shared auto-pipelined connection (it would stall every
 * other command) nor on another connection without a write of its own: the confirmation is that
 * write, and since replication is ordered, its acknowledgement covers the acquisition before it.
 */
export async function confirmAndWait<T>(
  guard: RedisGuard,
  client: RedisClient,
  key: string,
  replicas: number,
  timeoutMs: number,
  confirm: (connection: Redis) => Promise<T>,
  proceed: (confirmed: T) => boolean,
): Promise<{ confirmed: T; acknowledged: number | undefined }> {
  const connection = primaryOf(client, key).duplicate({
    lazyConnect: true,
    enableOfflineQueue: true,
    enableAutoPipelining: false,
    // WAIT returns by itself at timeoutMs; the command timeout only bounds a stalled server.
    commandTimeout: timeoutMs + 1_000,
    connectionName: 'redlayer:lock-wait',
    retryStrategy: () => null,
  })
  connection.on('error', () => undefined) // failures surface as the rejection of the calls below
  try {
    const confirmed = await guard.run('lock.confirm', async () => {
      await connection.connect()
      return confirm(connection)
    })
    if (!proceed(confirmed)) return { confirmed, acknowledged: undefined }
    // ADR-0013: WAIT answers by itself at timeoutMs (fewer replicas is an answer, not a failure);
    // the guard's bound, a second later, only catches a server that stopped answering.
    const acknowledged = await guard.run('lock.wait-replicas', () => connection.wait(replicas, timeoutMs), {
      timeoutMs: timeoutMs + 1_000,
    })
    return { confirmed, acknowledged }
  } finally {
    connection.disconnect()
  }
}
