import type { Socket } from 'node:net'
import { Cluster, type Redis } from 'ioredis'
import type { RedisClient } from './create-redis.js'

// ADR-0010 (issue 18): the commands a tick issues after its first leave in one socket write.
// ioredis writes each command with its own `socket.write`, one syscall each; its auto-pipelining
// batches, but holds a batch until the previous one is answered (slower at concurrency 1, a p99
// several times higher). Here the first write of a tick goes out at once (Redis serves it while the
// tick's other work runs), the next ones cork the socket, and the end of the tick
// (`process.nextTick`, after the promise jobs that issued them) uncorks it: one writev for the
// rest, no timer, no wait for a reply. Ordering, replies and timeouts are unchanged. Opt-in
// (`createRedis(config, { coalesceWrites: true })`): the ADR has the measurements.

const COALESCED = Symbol('redlayer.coalescedWrites')

type CoalescedSocket = Socket & { [COALESCED]?: true }

/**
 * Makes one socket write the first command of a tick at once, and cork for the rest of the tick,
 * uncorking at its end: the first leaves while the tick's other work runs (Redis serves it
 * meanwhile), the others together. Idempotent.
 */
function coalesceSocket(socket: CoalescedSocket): void {
  if (socket[COALESCED]) return
  socket[COALESCED] = true
  const write = socket.write
  let writes = 0
  const endOfTick = () => {
    if (writes > 1) socket.uncork()
    writes = 0
  }
  socket.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>) {
    writes++
    if (writes === 1) process.nextTick(endOfTick)
    else if (writes === 2) socket.cork()
    return write.apply(this, args)
  } as Socket['write']
}

/** Every socket this connection opens (each reconnect is a new one). */
function coalesceConnection(redis: Redis): void {
  const apply = () => {
    const socket = (redis as { stream?: Socket }).stream
    if (socket) coalesceSocket(socket)
  }
  redis.on('connect', apply)
  apply()
}

/**
 * Coalesces the writes of each tick on the client's data-node connections (in cluster mode every
 * node's, as the Cluster adds them). Called by `createRedis` with `coalesceWrites: true`.
 */
export function coalesceWrites<C extends RedisClient>(client: C): C {
  if (client instanceof Cluster) {
    client.on('+node', (node: Redis) => coalesceConnection(node))
    for (const node of client.nodes('all')) coalesceConnection(node)
  } else {
    coalesceConnection(client as Redis)
  }
  return client
}
